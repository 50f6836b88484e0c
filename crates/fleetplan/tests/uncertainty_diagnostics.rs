//! The scenario's `[uncertainty]` section end to end through `fleetplan check`: each broken
//! section (the valid base fixture plus one defect) gives exit code 2 and the located
//! diagnostics snapshotted in `snapshots/uncertainty/`; a section using every kind of path
//! checks ok.
//!
//! Update snapshots after an intended change with `INSTA_UPDATE=always cargo test -p fleetplan
//! --test uncertainty_diagnostics` and review the diff.

use std::path::{Path, PathBuf};
use std::process::Output;

const OPTION: &str = "option.h100-sxm buy @ us-east";

/// (name, `[uncertainty]` section body).
fn broken() -> Vec<(&'static str, String)> {
    vec![
        ("unknown-workload", r#""workload.asistant.daily_users" = { lognormal = { median = 1e6, sigma = 0.3 } }"#.into()),
        ("unknown-field", r#""workload.assistant.daily_user" = { lognormal = { median = 1e6, sigma = 0.3 } }"#.into()),
        ("unknown-head", r#""workloads.assistant.daily_users" = { lognormal = { median = 1e6, sigma = 0.3 } }"#.into()),
        ("unknown-catalog-chip", r#""catalog.accelerator.h100.price_usd" = { uniform = { low = 2e4, high = 3e4 } }"#.into()),
        ("unknown-family", r#""efficiency.nvidia-hoper" = { lognormal = { median = 1, sigma = 0.2 } }"#.into()),
        ("bad-lognormal", r#""workload.assistant.daily_users" = { lognormal = { median = -1e6, sigma = 0.3 } }"#.into()),
        ("bad-triangle", r#""budget.total" = { triangular = { low = 60e6, mode = 40e6, high = 70e6 } }"#.into()),
        ("two-distributions", r#""budget.total" = { normal = { mean = 5e7, sd = 1e6 }, uniform = { low = 4e7, high = 6e7 } }"#.into()),
        ("no-distribution", r#""budget.total" = {}"#.into()),
        ("not-a-table", r#""budget.total" = 5e7"#.into()),
        ("misspelt-parameter", r#""budget.total" = { normal = { mean = 5e7, sdev = 1e6 } }"#.into()),
        ("unknown-distribution", r#""budget.total" = { gaussian = { mean = 5e7, sd = 1e6 } }"#.into()),
        ("normal-negative-price", format!(r#""{OPTION}.price_usd" = {{ normal = {{ mean = 25000, sd = 10000 }} }}"#)),
        ("fraction-above-one", r#""workload.assistant.cached_input_fraction" = { uniform = { low = 0.5, high = 1.2 } }"#.into()),
        ("growth-below-minus-one", r#""workload.assistant.growth_per_quarter" = { normal = { mean = 0.1, sd = 0.5 } }"#.into()),
        ("switch-given-a-number", r#""policy.assume_licences_granted" = { uniform = { low = 0, high = 1 } }"#.into()),
        ("number-given-a-switch", r#""budget.total" = { p = 0.5 }"#.into()),
        ("probability-above-one", r#""policy.assume_licences_granted" = { p = 1.5 }"#.into()),
        ("unknown-rule", r#""policy.granted_rules.jan2026-case-by-cas" = { p = 0.3 }"#.into()),
        (
            "duplicate-path",
            "\"budget.total\" = { uniform = { low = 4e7, high = 6e7 } }\nbudget.total = { uniform = { low = 4e7, high = 5e7 } }"
                .into(),
        ),
        (
            "same-value-twice",
            "\"workload.assistant.growth_per_quarter\" = { uniform = { low = 0, high = 0.2 } }\n\"workload.assistant.growth_multiplier\" = { uniform = { low = 0.5, high = 1.5 } }".into(),
        ),
        (
            "rho-out-of-range",
            "\"budget.total\" = { uniform = { low = 4e7, high = 6e7 } }\n\"workload.assistant.daily_users\" = { lognormal = { median = 1e6, sigma = 0.3 } }\n\n[[uncertainty.correlation]]\na = \"budget.total\"\nb = \"workload.assistant.daily_users\"\nrho = 1.2".into(),
        ),
        (
            "correlation-unknown-input",
            "\"budget.total\" = { uniform = { low = 4e7, high = 6e7 } }\n\n[[uncertainty.correlation]]\na = \"budget.totl\"\nb = \"efficiency.nvidia-hopper\"\nrho = 0.5".into(),
        ),
        (
            "correlation-with-itself",
            "\"budget.total\" = { uniform = { low = 4e7, high = 6e7 } }\n\n[[uncertainty.correlation]]\na = \"budget.total\"\nb = \"budget.total\"\nrho = 0.5".into(),
        ),
        (
            "correlations-inconsistent",
            "\"budget.total\" = { uniform = { low = 4e7, high = 6e7 } }\n\"workload.assistant.daily_users\" = { lognormal = { median = 1e6, sigma = 0.3 } }\n\"workload.assistant.growth_per_quarter\" = { uniform = { low = 0, high = 0.2 } }\n\n[[uncertainty.correlation]]\na = \"budget.total\"\nb = \"workload.assistant.daily_users\"\nrho = 0.9\n\n[[uncertainty.correlation]]\na = \"workload.assistant.daily_users\"\nb = \"workload.assistant.growth_per_quarter\"\nrho = 0.9\n\n[[uncertainty.correlation]]\na = \"budget.total\"\nb = \"workload.assistant.growth_per_quarter\"\nrho = -0.9".into(),
        ),
    ]
}

/// A section with every kind of path, valid.
fn valid() -> String {
    format!(
        r#""workload.assistant.daily_users" = {{ lognormal = {{ median = 1e6, sigma = 0.3 }} }}
"workload.assistant.growth_per_quarter" = {{ triangular = {{ low = 0.0, mode = 0.1, high = 0.3 }} }}
workload.assistant.ttft_p99_ms = {{ uniform = {{ low = 500, high = 1500 }} }}
"workload.pretrain.tokens" = {{ normal = {{ mean = 1e12, sd = 1e11 }} }}
"site.us-east.power_usd_per_kwh" = {{ triangular = {{ low = 0.06, mode = 0.08, high = 0.12 }} }}
"site.sg-west.pue" = {{ uniform = {{ low = 1.2, high = 1.5 }} }}
"{OPTION}.price_usd" = {{ triangular = {{ low = 22000, mode = 27500, high = 35000 }} }}
"budget.total" = {{ normal = {{ mean = 5e7, sd = 5e6 }} }}
"objective.discount_rate" = {{ uniform = {{ low = 0.05, high = 0.12 }} }}
"policy.assume_licences_granted" = {{ p = 0.3 }}
"policy.disabled_rules.oct2023" = {{ bernoulli = {{ p = 0.9 }} }}
"catalog.accelerator.h100-sxm.price_usd" = {{ triangular = {{ low = 20000, mode = 27500, high = 35000 }} }}
"catalog.region.sg.power_usd_per_kwh" = {{ lognormal = {{ median = 0.15, sigma = 0.1 }} }}
"efficiency.nvidia-hopper" = {{ lognormal = {{ median = 1.0, sigma = 0.15 }} }}
"efficiency.h100-sxm" = {{ lognormal = {{ median = 0.95, sigma = 0.1 }} }}

[[uncertainty.correlation]]
a = "workload.assistant.daily_users"
b = "workload.assistant.growth_per_quarter"
rho = 0.6

[[uncertainty.correlation]]
a = "catalog.accelerator.h100-sxm.price_usd"
b = "catalog.region.us.power_usd_per_kwh"
rho = -0.3
"#
    )
}

fn base() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/valid/base.toml");
    std::fs::read_to_string(path).expect("the valid base fixture")
}

/// Write `base + [uncertainty] body` to `dir/NAME.toml` and run `fleetplan check` on it there.
fn check(dir: &Path, name: &str, body: &str) -> Output {
    let file = format!("{name}.toml");
    std::fs::write(dir.join(&file), format!("{}\n[uncertainty]\n{body}\n", base())).expect("write fixture");
    std::process::Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .args(["check", &file])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .output()
        .expect("the fleetplan binary runs")
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fleetplan-uncertainty-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn broken_uncertainty_sections_give_exit_2_and_located_diagnostics() {
    let dir = scratch("broken");
    for (name, body) in broken() {
        let out = check(&dir, name, &body);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name} should be rejected with exit code 2; stderr:\n{stderr}");
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout when invalid");
        assert!(stderr.contains(&format!("{name}.toml:")), "{name}: diagnostics must name file:line:col\n{stderr}");
        assert!(stderr.contains("help:"), "{name}: every diagnostic says what would be valid\n{stderr}");
        assert!(!stderr.contains("panicked"), "{name}: panic\n{stderr}");
        let snapshot = format!("[uncertainty]\n{body}\n---\nexit code: {}\n{stderr}", out.status.code().unwrap_or(-1));
        insta::with_settings!({ snapshot_path => "snapshots/uncertainty", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_section_with_every_kind_of_path_checks_ok() {
    let dir = scratch("valid");
    let out = check(&dir, "valid", &valid());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}
