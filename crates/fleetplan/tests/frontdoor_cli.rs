//! The front doors, run as a user would (issue 15): flags judged by the scenario validator's
//! own checks and words, located catalog-override errors, one column convention, capped and
//! escaped diagnostics, `--format json` everywhere, examples in every `--help`, atomic `--out`
//! and one violation list for `optimize` and `evaluate`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fleetplan_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the fleetplan binary runs")
}

fn fleetplan(args: &[&str]) -> Output {
    fleetplan_in(&repo_root(), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fleetplan-frontdoor-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The valid base of the broken fixtures with `from` replaced by `to` (once).
fn base_with(from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(repo_root().join("crates/fleetplan/tests/valid/base.toml")).unwrap();
    assert!(text.contains(from), "base.toml has no {from:?}");
    text.replacen(from, to, 1)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

const POLICY: [&str; 9] = ["policy", "check", "--chip", "h20", "--site", "cn", "--date", "2025-06-01", "--buyer-hq"];

#[test]
fn policy_flags_get_the_scenario_validators_checks_and_words() {
    let o = fleetplan(&[&POLICY[..], &["XX"]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let flag = stderr(&o);
    let dir = scratch("hq");
    let file = write(&dir, "xx.toml", &base_with("headquarters = \"US\"", "headquarters = \"XX\""));
    let scenario = stdout(&fleetplan(&["check", &file, "--format", "json"]));
    let sentence = "`XX` is not an ISO 3166 alpha-2 country code";
    assert!(flag.contains(sentence) && scenario.contains(sentence), "flag:\n{flag}\nscenario:\n{scenario}");
    let help = "use an assigned two-letter code in capitals";
    assert!(flag.contains(help) && scenario.contains(help), "the same help: {flag}\n{scenario}");

    let o = fleetplan(&[&POLICY[..], &["CN", "--disable-rule", "oct2023", "--enable-rule", "oct2023"]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("rule `oct2023` is both enabled and disabled"), "{}", stderr(&o));
    insta::assert_snapshot!("policy_flag_errors", format!("{flag}---\n{}", stderr(&o)));
    // A lower-case code is read in capitals, as before.
    assert_eq!(fleetplan(&[&POLICY[..], &["cn"]].concat()).status.code(), Some(0));
}

#[test]
fn a_diffusion_model_given_to_simulate_is_named_as_such() {
    let o = fleetplan(&["simulate", "--chip", "h100-sxm", "--model", "flux.1-dev", "--requests", "10"]);
    assert_eq!(o.status.code(), Some(2));
    let text = stderr(&o);
    assert!(text.contains("is a diffusion (image) model"), "{text}");
    assert!(!text.contains("unknown model"), "{text}");
    insta::assert_snapshot!("simulate_diffusion_model", text);
}

#[test]
fn a_negative_flag_value_gets_its_range_check_not_a_dash_dash_tip() {
    let o = fleetplan(&["simulate", "--chip", "h100-sxm", "--model", "llama-3.1-8b", "--qps", "-5"]);
    assert_eq!(o.status.code(), Some(2));
    let text = stderr(&o);
    assert!(text.contains("must be a positive number, got `-5`"), "{text}");
    assert!(!text.contains("-- -5"), "{text}");
}

#[test]
fn catalog_override_integrity_errors_are_located() {
    // The built-in `cn` region with an impossible PUE: it parses, and fails the integrity check.
    let regions = std::fs::read_to_string(repo_root().join("crates/fleetplan-core/catalog/regions.toml")).unwrap();
    let start = regions.find("[[region]]\nid = \"cn\"").expect("cn region");
    let end = regions[start + 1..].find("[[region]]").map_or(regions.len(), |i| start + 1 + i);
    let entry = regions[start..end].replacen("pue = 1.3\n", "pue = -1\n", 1);
    let line = entry.lines().position(|l| l == "pue = -1").expect("pue line") + 1;
    let dir = scratch("override");
    write(&dir, "pue.toml", &entry);
    let o = fleetplan_in(&dir, &["--catalog", "pue.toml", "catalog", "regions"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let text = stderr(&o);
    assert!(text.contains(&format!("pue.toml:{line}:7 at `region[0].pue`: region `cn`: `pue` must be")), "{text}");
    assert!(text.contains("help: "), "{text}");
}

#[test]
fn columns_count_characters_in_the_headline_and_nowhere_disagree() {
    let dir = scratch("multibyte");
    let file = write(&dir, "m.toml", &base_with("sites = [\"us-east\"]", "sites = [\"日本\", \"us-eastt\"]"));
    let text = stderr(&fleetplan_in(&dir, &["check", "m.toml"]));
    assert!(text.contains("m.toml:33:16 at `option[0].sites[1]`"), "{text}");
    assert!(!text.contains("m.toml:33:20"), "no byte column anywhere: {text}");
    let json = stdout(&fleetplan_in(&dir, &["check", "m.toml", "--format", "json"]));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let second = &doc["diagnostics"][1];
    assert_eq!((second["line"].as_u64(), second["column"].as_u64()), (Some(33), Some(16)), "{json}");
    drop(file);
}

#[test]
fn printed_diagnostics_are_capped_and_json_lists_them_all() {
    let dir = scratch("many");
    let mut text = std::fs::read_to_string(repo_root().join("crates/fleetplan/tests/valid/base.toml")).unwrap();
    for i in 0..300 {
        text.push_str(&format!("\n[[site]]\nid = \"x{i}\"\nregion = \"nowhere\"\navailable_mw = 1\n"));
    }
    write(&dir, "many.toml", &text);
    let o = fleetplan_in(&dir, &["check", "many.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let shown = err.matches("  × ").count();
    assert_eq!(shown, 50, "{err}");
    let json = stdout(&fleetplan_in(&dir, &["check", "many.toml", "--format", "json"]));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let total = doc["problems"].as_u64().unwrap() as usize;
    assert!(total >= 300 && doc["diagnostics"].as_array().unwrap().len() == total, "{total}");
    assert!(err.contains(&format!("… and {} more problem(s) not shown", total - 50)), "{err}");
    assert!(err.contains(&format!("many.toml: {total} problems found")), "{err}");
}

#[test]
fn a_table_nested_thousands_deep_is_located_without_quoting_the_line() {
    let dir = scratch("deep");
    write(&dir, "deep.toml", &format!("x = 1\na = {}{}\n", "[".repeat(5000), "]".repeat(5000)));
    let o = fleetplan_in(&dir, &["check", "deep.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("deep.toml:2:"), "{err}");
    assert!(err.len() < 2000, "the 10,000-character line is not quoted: {} bytes", err.len());
    // A table header 5,000 levels deep: the TOML reader's recursion limit comes without a span.
    write(&dir, "header.toml", &format!("x = 1\n[{}]\ny = 2\n", vec!["a"; 5000].join(".")));
    let o = fleetplan_in(&dir, &["check", "header.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("header.toml:2:1: nested more than 100 levels deep"), "{err}");
    let json = stdout(&fleetplan_in(&dir, &["check", "header.toml", "--format", "json"]));
    assert!(json.contains("\"line\": 2"), "{json}");
}

#[test]
fn control_characters_in_names_are_escaped_on_the_terminal() {
    let dir = scratch("control");
    let hostile = "name = \"Evil\\u001b[2J\\u0000AI\"";
    write(&dir, "ok.toml", &base_with("name = \"Example AI\"", hostile));
    let o = fleetplan_in(&dir, &["check", "ok.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains('\u{1b}') && !out.contains('\0'), "{out:?}");
    assert!(out.contains("Evil\\u{1b}[2J\\u{0}AI"), "{out}");
    write(&dir, "bad.toml", &base_with("chip = \"h100-sxm\"", "chip = \"h100\\u001b[31m\""));
    let o = fleetplan_in(&dir, &["check", "bad.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(!err.contains('\u{1b}'), "{err:?}");
}

/// Every command's `--help`, with the words of its command line.
fn helps() -> Vec<(String, String)> {
    let commands: [&[&str]; 15] = [
        &["check"],
        &["catalog"],
        &["policy"],
        &["policy", "check"],
        &["policy", "matrix"],
        &["schema"],
        &["perf"],
        &["perf", "infer"],
        &["perf", "train"],
        &["perf", "gen"],
        &["validate"],
        &["evaluate"],
        &["compare"],
        &["simulate"],
        &["optimize"],
    ];
    let mut all: Vec<&[&str]> = commands.to_vec();
    all.push(&["gen-scenario"]);
    all.iter()
        .map(|words| {
            let o = fleetplan(&[*words, &["--help"]].concat());
            assert_eq!(o.status.code(), Some(0));
            (words.join(" "), stdout(&o))
        })
        .collect()
}

#[test]
fn every_command_has_examples_and_a_machine_readable_flag() {
    for (command, help) in helps() {
        assert!(help.contains("\nExamples:\n  fleetplan "), "`{command} --help` has no examples:\n{help}");
        // Commands that print results (schema prints JSON already; gen-scenario writes a
        // scenario file; policy and perf only group subcommands).
        let prints_results = !matches!(command.as_str(), "schema" | "gen-scenario" | "policy" | "perf");
        if prints_results {
            assert!(help.contains("--format <FORMAT>"), "`{command}` has no --format:\n{help}");
        }
    }
}

#[test]
fn paths_named_in_help_exist_in_a_clone() {
    for (command, help) in helps() {
        for word in help.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',' || c == ';') {
            let word = word.trim_end_matches(['.', ':']);
            let in_repo = ["crates/", "docs/", "examples/"].iter().any(|p| word.starts_with(p));
            if in_repo && (word.ends_with(".toml") || word.ends_with(".md") || word.ends_with(".json")) {
                assert!(repo_root().join(word).exists(), "`{command} --help` names {word}, which does not exist");
            }
        }
    }
}

#[test]
fn the_examples_in_help_run() {
    for (command, help) in helps() {
        let examples = help.split("\nExamples:\n").nth(1).unwrap_or_default();
        for full in examples.lines() {
            assert!(full.chars().count() < 100, "`{command} --help`: an example line clap may wrap: {full}");
        }
        for line in examples.lines().filter_map(|l| l.strip_prefix("  fleetplan ")) {
            let line = line.split(" #").next().unwrap().trim();
            // Redirections and pipes need a shell; --out writes into target/; a --catalog file
            // of the user's own is a placeholder.
            if line.contains(['>', '|']) || line.contains("--out") || line.contains("my-prices") {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            let o = fleetplan(&words);
            assert_eq!(
                o.status.code(),
                Some(0),
                "`{command} --help` example `fleetplan {line}` fails:\n{}",
                stderr(&o)
            );
        }
    }
}

#[test]
fn check_and_compare_speak_json() {
    let o = fleetplan(&["check", "examples/quickstart.toml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["ok"], serde_json::json!(true));
    assert_eq!(doc["problems"], serde_json::json!(0));
    let o = fleetplan(&["check", "crates/fleetplan/tests/broken/unknown-chip.toml", "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let first = &doc["diagnostics"][0];
    for field in ["path", "line", "column", "message", "help"] {
        assert!(!first[field].is_null(), "{field} missing: {first}");
    }
    let o =
        fleetplan(&["compare", "examples/quickstart.toml", "examples/us-hyperscaler-2025.toml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let scenarios = doc["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 2);
    assert_eq!(scenarios[0]["scenario"], serde_json::json!("Quickstart"));
    assert!(scenarios[1]["spend_usd"].as_f64().is_some_and(|s| s > 0.0));
}

#[test]
fn a_failed_out_leaves_no_file_and_prints_no_results() {
    let dir = scratch("out");
    let target = dir.join("report");
    // A later file's path is a directory: evaluation.json cannot be written.
    std::fs::create_dir_all(target.join("evaluation.json")).unwrap();
    let o = fleetplan(&["evaluate", "examples/quickstart.toml", "--out", target.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "no table as if all went well: {}", stdout(&o));
    let left: Vec<String> =
        std::fs::read_dir(&target).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, ["evaluation.json"], "only what was there before");
    let siblings: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(siblings, ["report"], "no staging directory left beside it");

    let plan_dir = dir.join("plan");
    std::fs::create_dir_all(plan_dir.join("plan.toml")).unwrap();
    let o = fleetplan(&["optimize", "examples/quickstart.toml", "--out", plan_dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));

    let fresh = dir.join("fresh");
    let o = fleetplan(&["evaluate", "examples/quickstart.toml", "--out", fresh.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(fresh.join("report.html").is_file() && fresh.join("evaluation.json").is_file());
}

/// The "violations: N" count of a table output (0 when it says none).
fn violation_count(text: &str) -> usize {
    text.lines()
        .find_map(|l| l.strip_prefix("violations: "))
        .and_then(|rest| rest.split_whitespace().next())
        .map_or(0, |n| n.parse().unwrap())
}

#[test]
fn optimize_and_evaluate_of_its_plan_report_one_violation_list() {
    let dir = scratch("violations");
    let fixture = "crates/fleetplan/tests/data/frontdoor/latency-held-chip.toml";
    let o = fleetplan(&["optimize", fixture, "--out", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let planned = violation_count(&stdout(&o));
    let e = fleetplan(&["evaluate", dir.join("plan.toml").to_str().unwrap()]);
    assert_eq!(e.status.code(), Some(0), "{}", stderr(&e));
    let evaluated = violation_count(&stdout(&e));
    assert!(evaluated >= 1 && stdout(&e).contains("[latency]"), "the fixture has a latency violation");
    assert_eq!(planned, evaluated, "optimize:\n{}\nevaluate:\n{}", stdout(&o), stdout(&e));
    assert!(stdout(&o).contains("[latency]"), "{}", stdout(&o));
}
