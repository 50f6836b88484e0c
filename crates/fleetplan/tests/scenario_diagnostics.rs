//! Scenario files end to end through the binary: every broken fixture gives exit code 2 and the
//! diagnostics snapshotted in `snapshots/`; every example and the valid base fixture check `ok`;
//! the committed JSON Schema matches `fleetplan schema`; generated inputs never crash the binary.
//!
//! Update snapshots after an intended change with `INSTA_UPDATE=always cargo test -p fleetplan
//! --test scenario_diagnostics` and review the diff.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn repo_root() -> PathBuf {
    manifest_dir().join("../..")
}

/// Run the binary in `dir` with stable rendering (no colour, not a terminal).
fn fleetplan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .output()
        .expect("the fleetplan binary runs")
}

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn broken_scenarios_give_exit_2_and_snapshotted_diagnostics() {
    let files = toml_files(&manifest_dir().join("tests/broken"));
    assert!(files.len() >= 25, "expected at least 25 broken scenarios, found {}", files.len());
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let rel = format!("tests/broken/{name}.toml");
        let out = fleetplan(&manifest_dir(), &["check", &rel]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{rel} should be rejected with exit code 2; stderr:\n{stderr}");
        assert!(stdout.is_empty(), "{rel}: nothing on stdout when invalid, got {stdout}");
        assert!(stderr.contains(&format!("{rel}:")), "{rel}: diagnostics must name file:line:col\n{stderr}");
        assert!(!stderr.contains("panicked"), "{rel}: panic\n{stderr}");
        let first = std::fs::read_to_string(&path).unwrap().lines().next().unwrap_or_default().to_string();
        let snapshot = format!("{first}\nexit code: {}\n{stderr}", out.status.code().unwrap_or(-1));
        insta::with_settings!({ snapshot_path => "snapshots/broken", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
}

#[test]
fn the_valid_base_of_the_broken_fixtures_checks_ok() {
    // Each broken fixture is this file with one defect (or a few, for the many-problems case), so
    // every rejection above is caused by the defect, not by something else in the file.
    let out = fleetplan(&manifest_dir(), &["check", "tests/valid/base.toml"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.lines().next(), Some("ok"));
}

#[test]
fn every_example_checks_ok_with_a_summary() {
    let files = toml_files(&repo_root().join("examples"));
    assert!(files.len() >= 3, "expected the three examples");
    for path in files {
        let out = fleetplan(&repo_root(), &["check", path.to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{} should be valid:\n{}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.first(), Some(&"ok"), "{}: first line must be ok", path.display());
        for key in ["scenario", "buyer", "horizon", "budget", "sites", "workloads", "policy", "objective", "fleet"] {
            assert!(lines.iter().any(|l| l.starts_with(key)), "{}: summary lacks `{key}`\n{stdout}", path.display());
        }
        assert!(lines.len() <= 50, "{}: summary longer than one screen ({} lines)", path.display(), lines.len());
        let non_finite =
            stdout.split(|c: char| c.is_whitespace() || c == ',').any(|w| ["NaN", "inf", "-inf"].contains(&w));
        assert!(!non_finite, "{}: non-finite number\n{stdout}", path.display());
    }
}

#[test]
fn bytedance_example_derives_doubao_daily_users_from_monthly() {
    let out = fleetplan(&repo_root(), &["check", "examples/bytedance-2025.toml"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // 86 M monthly users × 0.44 daily/monthly = 37.8 M daily users, split over the model mix
    // (50 / 40 / 10 %): 18.9 M, 15.1 M and 3.78 M.
    let daily = |model: &str| {
        let id = format!("doubao/{model}");
        let line = stdout.lines().find(|l| l.trim_start().starts_with(&id)).unwrap_or_else(|| panic!("{id}: {stdout}"));
        line.split_once(": ").and_then(|(_, rest)| rest.split_once(" M daily users")).map(|(x, _)| x.to_string())
    };
    assert_eq!(daily("qwen3-30b-a3b").as_deref(), Some("18.9"));
    assert_eq!(daily("qwen3-235b-a22b").as_deref(), Some("15.1"));
    assert_eq!(daily("deepseek-v3").as_deref(), Some("3.78"));
    assert!(stdout.contains("470 B CNY"), "{stdout}");
}

#[test]
fn committed_schema_is_current() {
    let out = fleetplan(&repo_root(), &["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let generated = String::from_utf8(out.stdout).unwrap();
    let committed = std::fs::read_to_string(repo_root().join("docs/scenario.schema.json")).unwrap_or_default();
    assert!(
        generated == committed,
        "docs/scenario.schema.json is stale; regenerate it with\n    cargo run -q -- schema > docs/scenario.schema.json"
    );
    let v: serde_json::Value = serde_json::from_str(&generated).expect("schema is JSON");
    let props = v["properties"].as_object().expect("top-level properties");
    for section in ["scenario", "buyer", "fx", "budget", "site", "option", "workload", "policy", "objective", "fleet"] {
        assert!(props.contains_key(section), "schema lacks `{section}`");
    }
    assert_eq!(v["additionalProperties"], serde_json::Value::Bool(false));
}

#[test]
fn unreadable_file_is_a_user_error() {
    let out = fleetplan(&manifest_dir(), &["check", "tests/broken/does-not-exist.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

/// Deterministic pseudo-random numbers (xorshift), so the generated inputs are reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn the_binary_never_crashes_on_generated_inputs() {
    let base = std::fs::read_to_string(manifest_dir().join("tests/valid/base.toml")).unwrap();
    let values =
        ["-1", "0", "1e308", "-1e308", "nan", "inf", "\"\"", "\"x\"", "[]", "{}", "true", "2025-13-45", "\"2025Q9\""];
    let dir = std::env::temp_dir().join(format!("fleetplan-gen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(0x5eed_f1ee_7a1a);
    let cases = 60;
    for i in 0..cases {
        let mut lines: Vec<String> = base.lines().map(str::to_string).collect();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(lines.len());
            match rng.below(4) {
                0 => {
                    // Replace a value.
                    if let Some((k, _)) = lines[at].split_once(" = ") {
                        lines[at] = format!("{k} = {}", values[rng.below(values.len())]);
                    }
                }
                1 => {
                    lines.remove(at);
                }
                2 => {
                    let other = lines[rng.below(lines.len())].clone();
                    lines.insert(at, other);
                }
                _ => {
                    // Cut the line at a random byte (may break TOML syntax).
                    let l = &lines[at];
                    let cut = if l.is_empty() { 0 } else { rng.below(l.len()) };
                    lines[at] = l.chars().take(cut).collect();
                }
            }
        }
        let path = dir.join(format!("gen-{i}.toml"));
        std::fs::write(&path, lines.join("\n")).unwrap();
        let out = fleetplan(&dir, &["check", path.to_str().unwrap()]);
        let code = out.status.code();
        assert!(
            code == Some(0) || code == Some(2),
            "generated input {} gave exit code {code:?}:\n{}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("ran the binary on {cases} generated scenarios");
}
