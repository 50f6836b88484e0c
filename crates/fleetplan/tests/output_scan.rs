//! Every example's outputs are free of non-finite numbers and float noise (issue 15, "Must
//! show"): each `examples/*.toml` goes through `evaluate --out DIR` (the JSON, CSV and HTML files
//! it writes, and its table), `optimize --format json` (when it has `[[option]]`s) and the
//! scenario form of `simulate --json` (when it has a `[[fleet]]` and a chat workload), and every
//! byte they print or write is scanned.
//!
//! # The rule
//!
//! Numbers are the tokens `[-]digits[.digits][(e|E)[+|-]digits]` that start after a character
//! that is not a letter, digit, `.`, `_` or `-` (so `llama-3.1-8b`, `2025-01-01` and `#1f77b4`
//! are not read as numbers, and a `-` is a sign only where it cannot be a hyphen) and are not
//! followed by a letter or digit (`8b`, `2x` are identifiers). An output fails when it holds:
//! 1. a non-finite number: the word `inf`, `infinity` or `nan` in any case (as Rust, JSON
//!    writers and `{:?}` spell them);
//! 2. a negative zero: a token whose value is 0 and that starts with `-` (`-0`, `-0.0`, `-0e0`);
//! 3. a residue: a non-zero token with magnitude below 1e-12 (`-1.1e-16`): no quantity
//!    fleetplan reports (USD, tokens, seconds, watts, shares) is meaningful that small, so it is
//!    the remainder of a cancellation that should have printed 0;
//! 4. float noise: a token with a fraction or an exponent and more than 6 significant digits
//!    whose value lies within 1e-9 (relative) of its rounding to 6 significant digits
//!    (`1.0000000000000002`, `0.30000000000000004`, `2.9000000000000004`): the digits after the
//!    6th are binary-to-decimal artefacts, not information. A 7-digit value that differs from its
//!    6-digit rounding by more than that (`1234567`, `123456.7`) is information and passes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fleetplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .args(args)
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the fleetplan binary runs")
}

/// Why `token` (a number as printed) breaks the rule, if it does.
fn noise(token: &str) -> Option<&'static str> {
    let value: f64 = token.parse().ok()?;
    if value == 0.0 {
        return token.starts_with('-').then_some("negative zero");
    }
    if value.abs() < 1e-12 {
        return Some("residue below 1e-12");
    }
    let mantissa = token.split(['e', 'E']).next().unwrap_or(token);
    let has_fraction_or_exponent = token.contains(['.', 'e', 'E']);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    if !has_fraction_or_exponent || significant <= 6 {
        return None;
    }
    let rounded: f64 = format!("{value:.5e}").parse().ok()?;
    ((value - rounded).abs() <= 1e-9 * rounded.abs()).then_some("float noise beyond 6 significant digits")
}

/// Every violation of the rule in `text`, as `what (token, context)`.
fn violations(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let context = |i: usize, j: usize| {
        let (mut a, mut b) = (i.saturating_sub(40), (j + 20).min(text.len()));
        while !text.is_char_boundary(a) {
            a -= 1;
        }
        while !text.is_char_boundary(b) {
            b += 1;
        }
        text[a..b].replace('\n', "⏎")
    };
    let word_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        let prev_ok = i == 0 || !(word_char(bytes[i - 1]) || bytes[i - 1] == b'.' || bytes[i - 1] == b'-');
        if prev_ok && bytes[i].is_ascii_alphabetic() {
            let j = bytes[i..].iter().position(|&b| !word_char(b)).map_or(bytes.len(), |p| i + p);
            let word = &text[i..j];
            if ["inf", "infinity", "nan"].iter().any(|w| word.eq_ignore_ascii_case(w)) {
                found.push(format!("non-finite `{word}` in …{}…", context(i, j)));
            }
            i = j;
            continue;
        }
        let starts_number =
            bytes[i].is_ascii_digit() || (bytes[i] == b'-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
        if prev_ok && starts_number {
            let mut j = i + 1;
            while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b'.') {
                j += 1;
            }
            if j < bytes.len() && (bytes[j] == b'e' || bytes[j] == b'E') {
                let k = j + 1 + usize::from(bytes.get(j + 1).is_some_and(|b| *b == b'+' || *b == b'-'));
                if bytes.get(k).is_some_and(u8::is_ascii_digit) {
                    j = k;
                    while j < bytes.len() && bytes[j].is_ascii_digit() {
                        j += 1;
                    }
                }
            }
            let followed_by_word = bytes.get(j).is_some_and(|b| word_char(*b));
            if !followed_by_word && let Some(why) = noise(&text[i..j]) {
                found.push(format!("{why}: `{}` in …{}…", &text[i..j], context(i, j)));
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    found
}

/// Files under `dir`, recursively, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
    }
    out.sort();
    out
}

/// Scan one command's stdout (and, with `--out`, the files it wrote); returns its problems.
fn scan_command(label: &str, args: &[&str], out_dir: Option<&Path>) -> Vec<String> {
    let out = fleetplan(args);
    let mut problems = Vec::new();
    if out.status.code() != Some(0) {
        problems.push(format!("{label}: exit {:?}\n{}", out.status.code(), String::from_utf8_lossy(&out.stderr)));
        return problems;
    }
    let mut texts = vec![(format!("{label} stdout"), String::from_utf8_lossy(&out.stdout).into_owned())];
    if let Some(dir) = out_dir {
        let files = files_under(dir);
        if files.is_empty() {
            problems.push(format!("{label}: wrote no files into {}", dir.display()));
        }
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            texts.push((format!("{label} {name}"), String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned()));
        }
    }
    for (what, text) in texts {
        let v = violations(&text);
        if !v.is_empty() {
            problems.push(format!(
                "{what}: {} violation(s), first {}:\n  {}",
                v.len(),
                v.len().min(5),
                v[..v.len().min(5)].join("\n  ")
            ));
        }
    }
    problems
}

/// The id of the first chat workload of a scenario text (of its first model, for a mix) and
/// the scenario's first quarter.
fn first_chat_workload(text: &str) -> Option<(String, String)> {
    let value: toml::Value = toml::from_str(text).ok()?;
    let start = value.get("scenario")?.get("start")?.as_str()?.to_string();
    let workloads = value.get("workload")?.as_array()?;
    let chat = workloads.iter().find(|w| w.get("kind").and_then(|k| k.as_str()) == Some("chat"))?;
    let id = chat.get("id")?.as_str()?;
    // A model mix is expanded into one workload per model, `ID/MODEL`.
    match chat.get("mix").and_then(|m| m.as_array()).and_then(|m| m.first()) {
        Some(first) => Some((format!("{id}/{}", first.get("model")?.as_str()?), start)),
        None => Some((id.to_string(), start)),
    }
}

#[test]
fn example_outputs_hold_no_inf_nan_or_float_noise() {
    let mut examples: Vec<PathBuf> = std::fs::read_dir(repo_root().join("examples"))
        .expect("examples/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 3, "expected the examples");
    let mut problems = Vec::new();
    let mut commands = 0;
    for path in &examples {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let file = format!("examples/{stem}.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let dir = std::env::temp_dir().join(format!("fleetplan-scan-{}-{stem}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let dir_s = dir.display().to_string();
        if text.contains("[[fleet]]") {
            problems.extend(scan_command(
                &format!("evaluate {file}"),
                &["evaluate", &file, "--out", &dir_s],
                Some(&dir),
            ));
            commands += 1;
            if let Some((w, quarter)) = first_chat_workload(&text) {
                // The first quarter: the fleet the example holds from the start serves it.
                let args = [
                    "simulate",
                    &file,
                    "--workload",
                    &w,
                    "--quarter",
                    &quarter,
                    "--hours",
                    "2",
                    "--requests",
                    "20000",
                    "--json",
                ];
                problems.extend(scan_command(&format!("simulate {file}"), &args, None));
                commands += 1;
            }
        }
        if text.contains("[[option]]") {
            problems.extend(scan_command(&format!("optimize {file}"), &["optimize", &file, "--format", "json"], None));
            commands += 1;
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(commands >= examples.len(), "too few commands ran ({commands})");
    assert!(
        problems.is_empty(),
        "{} output(s) break the no-inf/NaN/noise rule:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_rule_flags_noise_and_passes_information() {
    for bad in
        ["1.0000000000000002", "0.30000000000000004", "-1.1e-16", "-0.0", "-0", "2.9000000000000004", "NaN", "inf"]
    {
        assert!(!violations(&format!("{{\"x\": {bad}}}")).is_empty(), "{bad} should be flagged");
    }
    for good in [
        "1234567",
        "123456.7",
        "0.1",
        "3.14159",
        "1e-6",
        "-5",
        "2025-01-01",
        "llama-3.1-8b",
        "#1f77b4",
        "info",
        "1.5e9",
        "43822",
        "0.000001",
    ] {
        assert!(violations(&format!("{{\"x\": \"{good}\", \"y\": {good}}}")).is_empty(), "{good} should pass");
    }
}
