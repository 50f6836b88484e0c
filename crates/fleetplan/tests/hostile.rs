//! The hostile corpus of issue 15 through the built binary: every case of
//! `tests/hostile/cases.toml` (the inputs the issue names, under `tests/hostile/files/` or
//! generated here) and every broken fixture of `tests/broken/` through `evaluate`.
//!
//! Each case asserts its expected exit code, no panic text, no `inf`/`NaN` word and no raw
//! control character in stdout/stderr, that it finishes within its time limit (the process is
//! killed after it), its `expect`/`forbid` substrings and line cap, and a snapshot of its output
//! (`snapshots/hostile/NAME.snap`, temporary paths redacted to `[TMP]`). All cases run and every
//! failure is listed before the test fails. Children run with an 8 GiB address-space limit, so a
//! memory blow-up fails fast instead of exhausting the machine.
//!
//! Update snapshots after an intended change with `INSTA_UPDATE=always cargo test -p fleetplan
//! --test hostile` and review the diff.

use serde::Deserialize;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Default wall-clock limit of a case, s.
const DEFAULT_LIMIT_S: u64 = 30;
/// Address-space limit of a child process, bytes.
const CHILD_ADDRESS_SPACE_BYTES: u64 = 8 << 30;
/// Lines of stdout and of stderr kept in a snapshot.
const SNAPSHOT_LINES: usize = 60;
/// Characters of one line kept in a snapshot.
const SNAPSHOT_LINE_CHARS: usize = 240;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    case: Vec<Case>,
}

/// One `[[case]]` of `cases.toml` (fields documented there).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    args: Vec<String>,
    exit: i32,
    #[serde(default)]
    limit_s: Option<u64>,
    #[serde(default)]
    generate: Option<String>,
    #[serde(default)]
    expect: Vec<String>,
    #[serde(default)]
    forbid: Vec<String>,
    #[serde(default)]
    max_lines: Option<usize>,
    #[allow(dead_code)]
    note: String,
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(manifest_dir().join("tests/hostile/cases.toml")).expect("cases.toml");
    let manifest: Manifest = toml::from_str(&text).expect("cases.toml parses");
    manifest.case
}

/// A fresh temporary directory for one case, as a path relative to crates/fleetplan (where the
/// binary runs): `tests/hostile/tmp/NAME` (ignored by git). A fixed path keeps diagnostics, whose
/// line wrapping depends on the path's length, the same on every machine.
fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from("tests/hostile/tmp").join(name);
    let abs = manifest_dir().join(&dir);
    let _ = std::fs::remove_dir_all(&abs);
    std::fs::create_dir_all(&abs).expect("temp dir");
    dir
}

/// Write the generated input `kind` into `dir`; returns its path.
fn generate(kind: &str, dir: &Path) -> PathBuf {
    let abs = manifest_dir().join(dir);
    let quickstart = || std::fs::read_to_string(manifest_dir().join("tests/hostile/files/quickstart.toml")).unwrap();
    let (file, bytes): (&str, Vec<u8>) = match kind {
        "comments-20mib" => {
            ("big.toml", "# a comment line of a file that is far too large\n".repeat(420_000).into_bytes())
        }
        "zeros-17mib" => ("zeros.toml", vec![0u8; 17 << 20]),
        "bad-sites-10000-lines" => {
            let mut text = quickstart();
            for i in 0..3334 {
                text.push_str(&format!("[[site]]\nid = \"s{i}\"\nregion = \"xx{i}\"\n"));
            }
            ("bad-lines.toml", text.into_bytes())
        }
        "unknown-fields-10000" => {
            let fields: String = (0..10_000).map(|i| format!("bogus_{i} = {i}\n")).collect();
            ("unknown-fields.toml", format!("[scenario]\nname = \"x\"\n{fields}").into_bytes())
        }
        "deep-table-5000" => ("deep-table-5000.toml", format!("[{}]\nx = 1\n", vec!["a"; 5000].join(".")).into_bytes()),
        "nul-in-toml" => {
            ("nul.toml", quickstart().replacen("name = \"Quickstart\"", "name = \"Quick\0start\"", 1).into_bytes())
        }
        "out-blocked" => {
            // A directory where `--out` writes a later file (workloads.csv), so that writing it
            // fails after report.html and evaluation.json could have been written.
            std::fs::create_dir_all(abs.join("out/workloads.csv")).unwrap();
            std::fs::write(abs.join("out/workloads.csv/blocker"), "").unwrap();
            return dir.join("out");
        }
        other => panic!("unknown generator `{other}` in cases.toml"),
    };
    std::fs::write(abs.join(file), bytes).expect("write generated input");
    dir.join(file)
}

/// What one run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    killed_after: Option<Duration>,
}

/// Run the binary with `args` in crates/fleetplan, killing it after `limit`.
fn run(args: &[String], limit: Duration) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fleetplan"));
    command
        .args(args)
        .current_dir(manifest_dir())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            command.pre_exec(|| {
                let limit = libc::rlimit { rlim_cur: CHILD_ADDRESS_SPACE_BYTES, rlim_max: CHILD_ADDRESS_SPACE_BYTES };
                libc::setrlimit(libc::RLIMIT_AS, &limit);
                Ok(())
            });
        }
    }
    let mut child = command.spawn().expect("the fleetplan binary starts");
    let pipe = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = pipe(Box::new(child.stdout.take().unwrap()));
    let err = pipe(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let mut killed_after = None;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            killed_after = Some(started.elapsed());
            break child.wait().expect("wait after kill");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    Run { code: status.code(), stdout: text(out.join().unwrap()), stderr: text(err.join().unwrap()), killed_after }
}

/// Whether `w` spells a non-finite number (`inf`, `infinity`, `NaN` in any case).
fn is_non_finite_word(w: &str) -> bool {
    w.eq_ignore_ascii_case("inf") || w.eq_ignore_ascii_case("infinity") || w.eq_ignore_ascii_case("nan")
}

/// A line of a diagnostic's source excerpt (`12 │ total = nan`, `·  ╰── label`): it quotes the
/// user's own text.
fn is_source_quote(line: &str) -> bool {
    let t = line.trim_start();
    let after_number = t.trim_start_matches(|c: char| c.is_ascii_digit());
    (after_number.len() < t.len() && after_number.starts_with(" │")) || t.starts_with('·') || t.starts_with('│')
}

/// Words spelling a non-finite number in `text`, outside source excerpts, other than those the
/// user typed (`typed`: the command line and the input files; echoing the offending value back
/// is right).
fn non_finite_words(text: &str, typed: &str) -> Vec<String> {
    let typed: Vec<String> = typed
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| is_non_finite_word(w))
        .map(str::to_ascii_lowercase)
        .collect();
    text.lines()
        .filter(|l| !is_source_quote(l))
        .flat_map(|l| l.split(|c: char| !(c.is_alphanumeric() || c == '_')))
        .filter(|w| is_non_finite_word(w) && !typed.contains(&w.to_ascii_lowercase()))
        .map(str::to_string)
        .collect()
}

/// The command line and the (small) input files it names, as the user typed them.
fn typed_input(args: &[String]) -> String {
    let mut typed = args.join(" ");
    for a in args {
        let path = manifest_dir().join(a);
        if std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() < 1 << 20) {
            typed.push('\n');
            typed.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
    typed
}

/// Control characters other than newline, carriage return and tab.
fn has_raw_control(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Every assertion of one case on its run; empty when it passed.
fn problems(case: &Case, r: &Run, limit: Duration) -> Vec<String> {
    let mut p = Vec::new();
    let all = format!("{}{}", r.stdout, r.stderr);
    if let Some(after) = r.killed_after {
        p.push(format!("killed after {after:.1?} (limit {limit:?})"));
    }
    if r.code != Some(case.exit) {
        p.push(format!("exit code {:?}, expected {}", r.code, case.exit));
    }
    for marker in ["panicked", "RUST_BACKTRACE", "stack overflow", "memory allocation of"] {
        if all.contains(marker) {
            p.push(format!("crash text `{marker}` in the output"));
        }
    }
    let words = non_finite_words(&all, &typed_input(&case.args));
    if !words.is_empty() {
        p.push(format!("non-finite number(s) in the output: {:?}", &words[..words.len().min(5)]));
    }
    if has_raw_control(&all) {
        p.push("raw control character(s) in the output".into());
    }
    for e in &case.expect {
        if !all.contains(e.as_str()) {
            p.push(format!("output lacks `{e}`"));
        }
    }
    for f in &case.forbid {
        if all.contains(f.as_str()) {
            p.push(format!("output contains `{f}`"));
        }
    }
    if let Some(max) = case.max_lines {
        let lines = all.lines().count();
        if lines > max {
            p.push(format!("{lines} lines of output (at most {max})"));
        }
    }
    p
}

/// `line` with its wall-clock times (`0.05 s`) masked when it is the solver's timing line.
fn mask_times(line: &str) -> String {
    if !line.starts_with("Solve:") {
        return line.to_string();
    }
    let words: Vec<&str> = line.split(' ').collect();
    let masked: Vec<&str> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let unit = words.get(i + 1).is_some_and(|n| *n == "s" || n.starts_with("s,"));
            if unit && w.parse::<f64>().is_ok() { "[T]" } else { w }
        })
        .collect();
    masked.join(" ")
}

/// The first lines of `text`, long lines cut, control characters escaped, solver times masked
/// and the temporary directory redacted.
fn excerpt(text: &str, tmp: &Path) -> String {
    let text = text.replace(&tmp.display().to_string(), "[TMP]");
    let mut lines: Vec<String> = text
        .lines()
        .take(SNAPSHOT_LINES)
        .map(mask_times)
        .map(|l| {
            let l: String =
                l.chars().flat_map(|c| if c.is_control() { c.escape_debug().collect() } else { vec![c] }).collect();
            if l.chars().count() > SNAPSHOT_LINE_CHARS {
                format!("{}…", l.chars().take(SNAPSHOT_LINE_CHARS).collect::<String>())
            } else {
                l
            }
        })
        .collect();
    let total = text.lines().count();
    if total > SNAPSHOT_LINES {
        lines.push(format!("[… {} more lines]", total - SNAPSHOT_LINES));
    }
    lines.join("\n")
}

/// Run one case; returns its failures (assertions and snapshot), each prefixed with its name.
fn check_case(case: &Case) -> Vec<String> {
    let tmp = temp_dir(&case.name);
    let generated = case.generate.as_deref().map(|g| generate(g, &tmp));
    let args: Vec<String> = case
        .args
        .iter()
        .map(|a| {
            let a = a.replace("{tmp}", &tmp.display().to_string());
            match &generated {
                Some(g) => a.replace("{gen}", &g.display().to_string()),
                None => a,
            }
        })
        .collect();
    let limit = Duration::from_secs(case.limit_s.unwrap_or(DEFAULT_LIMIT_S));
    let r = run(&args, limit);
    let mut failures: Vec<String> =
        problems(case, &r, limit).into_iter().map(|p| format!("{}: {p}", case.name)).collect();
    let shown_args = excerpt(&case.args.join(" "), &tmp);
    // What a killed process printed depends on how far it got: only the kill is recorded.
    let snapshot = match r.killed_after {
        Some(_) => format!("args: {shown_args}\nexit code: killed at the time limit"),
        None => format!(
            "args: {shown_args}\nexit code: {:?}\n--- stdout\n{}\n--- stderr\n{}",
            r.code,
            excerpt(&r.stdout, &tmp),
            excerpt(&r.stderr, &tmp)
        ),
    };
    let snap = catch_unwind(AssertUnwindSafe(|| {
        insta::with_settings!({ snapshot_path => "snapshots/hostile", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(case.name.clone(), snapshot);
        });
    }));
    if snap.is_err() {
        failures.push(format!("{}: snapshot differs (see the .snap.new beside it)", case.name));
    }
    let _ = std::fs::remove_dir_all(manifest_dir().join(&tmp));
    failures
}

/// Run `cases` on a few threads; returns every failure.
fn check_all(cases: &[Case]) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(case) = cases.get(i) else { break };
                    let f = check_case(case);
                    failures.lock().unwrap().extend(f);
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    failures
}

#[test]
fn hostile_cases_fail_cleanly() {
    let cases = cases();
    assert!(cases.len() >= 30, "expected the issue's corpus, found {} cases", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names must be unique");
    let failures = check_all(&cases);
    assert!(failures.is_empty(), "{} hostile-corpus failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn broken_fixtures_fail_cleanly_through_evaluate() {
    // The check front door is snapshotted by scenario_diagnostics.rs; here every broken fixture
    // goes through evaluate, which must reject it the same way (exit 2), without a panic.
    let mut files: Vec<PathBuf> = std::fs::read_dir(manifest_dir().join("tests/broken"))
        .expect("tests/broken")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 25, "expected the broken fixtures");
    let cases: Vec<Case> = files
        .iter()
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy();
            Case {
                name: format!("broken-evaluate-{stem}"),
                args: vec!["evaluate".into(), format!("tests/broken/{stem}.toml")],
                exit: 2,
                limit_s: None,
                generate: None,
                expect: vec![format!("tests/broken/{stem}.toml:")],
                forbid: Vec::new(),
                max_lines: None,
                note: String::new(),
            }
        })
        .collect();
    let failures = check_all(&cases);
    assert!(failures.is_empty(), "{} broken-fixture failures:\n{}", failures.len(), failures.join("\n"));
}

/// Files under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn failed_out_leaves_nothing_behind() {
    // A directory stands where `--out` writes a later file: the command must fail, print no
    // table, and leave no output file behind (atomic --out: write beside, rename at the end).
    // evaluate writes report.html, evaluation.json and CSVs (workloads.csv after the first two);
    // optimize writes plan.toml.
    for (name, command, blocked) in [("evaluate", "evaluate", "workloads.csv"), ("optimize", "optimize", "plan.toml")] {
        let tmp = manifest_dir().join(temp_dir(&format!("out-{name}")));
        let blocker = format!("{blocked}/blocker");
        std::fs::create_dir_all(tmp.join("out").join(blocked)).unwrap();
        std::fs::write(tmp.join("out").join(&blocker), "").unwrap();
        let out = tmp.join("out").display().to_string();
        let args: Vec<String> =
            [command, "tests/hostile/files/quickstart.toml", "--out", &out].iter().map(|s| s.to_string()).collect();
        let r = run(&args, Duration::from_secs(120));
        assert_ne!(r.code, Some(0), "{name}: a failed --out must not exit 0");
        assert!(r.killed_after.is_none(), "{name}: ran past its limit");
        let left = files_under(&tmp);
        let _ = std::fs::remove_dir_all(&tmp);
        assert_eq!(left, vec![format!("out/{blocker}")], "{name}: files left behind after a failed --out");
        assert!(r.stdout.trim().is_empty(), "{name}: printed its table although --out failed:\n{}", r.stdout);
    }
}
