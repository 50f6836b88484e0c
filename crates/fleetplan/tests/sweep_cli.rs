//! `fleetplan sweep` run as a user would (issue 11): the four files of `--out`, ordered
//! percentiles, byte-identical results for any thread count, the nominal run equal to
//! `evaluate`'s answer, and clean errors for bad flags.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fleetplan_with(env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fleetplan"));
    command.args(args).current_dir(repo_root()).env("NO_COLOR", "1");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the fleetplan binary runs")
}

fn fleetplan(args: &[&str]) -> Output {
    fleetplan_with(&[], args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fleetplan-sweep-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sweep_into(dir: &Path, env: &[(&str, &str)], file: &str, samples: &str) {
    let out = dir.to_str().unwrap();
    let o = fleetplan_with(env, &["sweep", file, "--samples", samples, "--seed", "7", "--out", out]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

fn output<'a>(summary: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    summary["outputs"].as_array().unwrap().iter().find(|o| o["name"] == name).unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn out_writes_four_files_with_ordered_percentiles() {
    let dir = scratch("files");
    sweep_into(&dir, &[], "examples/quickstart.toml", "40");
    for file in ["samples.parquet", "samples.csv", "summary.json", "report.html"] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let doc = summary(&dir);
    assert_eq!(doc["samples"], 40);
    let outputs = doc["outputs"].as_array().unwrap();
    assert!(outputs.len() > 5);
    for o in outputs {
        if o["p5"].is_null() {
            continue;
        }
        let (p5, p50, p95) = (o["p5"].as_f64().unwrap(), o["p50"].as_f64().unwrap(), o["p95"].as_f64().unwrap());
        assert!(p5 <= p50 && p50 <= p95, "{o}");
    }
    let csv = std::fs::read_to_string(dir.join("samples.csv")).unwrap();
    assert_eq!(csv.lines().count(), 41, "a header and one row per sample");
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(header[0], "sample");
    assert!(header.contains(&"spend_total"));
    assert!(!csv.contains("NaN") && !csv.contains("inf"));
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("Tornado"));
    let parquet = std::fs::read(dir.join("samples.parquet")).unwrap();
    assert!(parquet.starts_with(b"PAR1") && parquet.ends_with(b"PAR1"));
}

#[cfg(feature = "parquet")]
#[test]
fn the_parquet_file_holds_the_csv_rows() {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let dir = scratch("parquet");
    sweep_into(&dir, &[], "examples/quickstart.toml", "25");
    let file = std::fs::File::open(dir.join("samples.parquet")).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
    let batches: Vec<_> = reader.map(Result::unwrap).collect();
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 25);
    let csv = std::fs::read_to_string(dir.join("samples.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, header);
}

#[test]
fn one_thread_and_the_default_give_the_same_bytes() {
    for (name, file, samples) in
        [("qs", "examples/quickstart.toml", "50"), ("bd", "examples/bytedance-2025.toml", "30")]
    {
        let (one, many) = (scratch(&format!("t1-{name}")), scratch(&format!("tn-{name}")));
        sweep_into(&one, &[("RAYON_NUM_THREADS", "1")], file, samples);
        sweep_into(&many, &[("RAYON_NUM_THREADS", "4")], file, samples);
        for f in ["summary.json", "samples.csv"] {
            let (a, b) = (std::fs::read(one.join(f)).unwrap(), std::fs::read(many.join(f)).unwrap());
            assert!(a == b, "{file}: {f} differs between 1 and 4 threads");
        }
    }
}

#[test]
fn the_nominal_run_is_the_evaluation() {
    let dir = scratch("nominal");
    sweep_into(&dir, &[], "examples/quickstart.toml", "10");
    let o = fleetplan(&["evaluate", "examples/quickstart.toml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let evaluation: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let doc = summary(&dir);
    assert_eq!(output(&doc, "spend_total")["nominal"], evaluation["spend"]["total"]);
}

#[test]
fn bad_flags_are_user_errors() {
    let o = fleetplan(&["sweep", "examples/quickstart.toml", "--samples", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = fleetplan(&["sweep", "examples/quickstart.toml", "--samples", "5", "--output", "spend_totl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `spend_total`"), "{}", stderr(&o));
}

#[test]
fn json_on_stdout_is_the_summary() {
    let o = fleetplan(&["sweep", "examples/quickstart.toml", "--samples", "10", "--seed", "3", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["seed"], 3);
    assert_eq!(doc["tornado"]["output"], "spend_total");
}

/// The quickstart with an `[uncertainty]` section giving the site's power price `low`–`high`.
fn quickstart_with_power(dir: &Path, low: f64, high: f64) -> String {
    let text = std::fs::read_to_string(repo_root().join("examples/quickstart.toml")).unwrap();
    let path = dir.join("quickstart-uncertain.toml");
    let section = format!(
        "\n[uncertainty]\n\"site.us-east.power_usd_per_kwh\" = {{ uniform = {{ low = {low}, high = {high} }} }}\n"
    );
    std::fs::write(&path, text + &section).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn the_tornado_ranks_a_dominant_input_first() {
    let power = "site.us-east.power_usd_per_kwh";
    for (name, low, high, first) in [("wide", 0.01, 2.0, true), ("narrow", 0.0799, 0.0801, false)] {
        let dir = scratch(&format!("tornado-{name}"));
        let file = quickstart_with_power(&dir, low, high);
        let o = fleetplan(&["sweep", &file, "--samples", "20", "--seed", "5", "--format", "json"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let bars = doc["tornado"]["bars"].as_array().unwrap();
        assert!(bars.len() >= 2, "{doc}");
        assert_eq!(bars[0]["input"] == power, first, "{name}: {}", doc["tornado"]);
        let rho = doc["sensitivity"][0]["spearman"][0].clone();
        if first {
            assert_eq!(rho[0], power, "the widest input correlates most with spend: {rho}");
        }
    }
}

#[test]
fn optimize_mode_counts_how_often_each_choice_is_made() {
    let dir = scratch("optimize");
    let text = std::fs::read_to_string(repo_root().join("examples/quickstart.toml")).unwrap();
    let file = dir.join("quickstart-demand.toml");
    let section =
        "\n[uncertainty]\n\"workload.assistant.daily_users\" = { lognormal = { median = 3e7, sigma = 0.3 } }\n";
    std::fs::write(&file, text + section).unwrap();
    let args = ["sweep", file.to_str().unwrap(), "--samples", "6", "--seed", "1", "--mode", "optimize", "--json"];
    let o = fleetplan(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["mode"], "optimize");
    let choices = doc["choices"].as_array().expect("choices");
    assert!(!choices.is_empty(), "30 M users need more than the 512 H100s held: {doc}");
    for choice in choices {
        let share = choice["chosen_share"].as_f64().unwrap();
        assert!(share > 0.0 && share <= 1.0, "{choice}");
        let q = &choice["quantity"];
        assert!(q["p5"].as_f64() <= q["p50"].as_f64() && q["p50"].as_f64() <= q["p95"].as_f64(), "{choice}");
    }
}
