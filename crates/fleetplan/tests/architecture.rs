//! Architecture rules that the compiler does not check, enforced over the source tree
//! (ARCHITECTURE.md, "Cross-cutting invariants"):
//! - library source files stay under 700 lines and library functions under 120 lines;
//! - library crates have no `Result<_, String>` and no `String` error payloads;
//! - core, models and engines do no I/O and print nothing; fleetplan-io reads files but prints
//!   nothing (only the binary prints);
//! - `anyhow` is not a dependency.
//!
//! The function-length check relies on rustfmt's layout: a function starts at a line `fn name`
//! (with optional `pub`, `pub(crate)`, `const`, `async`, `unsafe` qualifiers) and ends at the
//! first later line that is its indentation followed by `}`.

use std::fs;
use std::path::{Path, PathBuf};

/// Largest library source file, lines.
const MAX_FILE_LINES: usize = 700;
/// Largest library function, lines (signature to closing brace).
const MAX_FUNCTION_LINES: usize = 120;
/// Library crates: size limits and typed errors apply.
const LIBRARY_CRATES: [&str; 5] =
    ["fleetplan-core", "fleetplan-models", "fleetplan-engines", "fleetplan-io", "fleetplan-server"];
/// Library crates that do no I/O and print nothing (fleetplan-io reads files, prints nothing).
const PURE_CRATES: [&str; 3] = ["fleetplan-core", "fleetplan-models", "fleetplan-engines"];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

fn library_sources() -> Vec<(PathBuf, String)> {
    sources_of(&LIBRARY_CRATES)
}

fn sources_of(crates: &[&str]) -> Vec<(PathBuf, String)> {
    let root = workspace_root();
    let mut files = Vec::new();
    for krate in crates {
        let before = files.len();
        rust_files(&root.join("crates").join(krate).join("src"), &mut files);
        assert!(files.len() > before, "no sources found for {krate} under {}", root.display());
    }
    files
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).expect("readable source");
            (p.strip_prefix(&root).unwrap_or(&p).to_path_buf(), text)
        })
        .collect()
}

/// The code before the first `#[cfg(test)]` module (tests may be long and print).
fn non_test_part(text: &str) -> &str {
    text.find("\n#[cfg(test)]").map_or(text, |i| &text[..i])
}

/// `(name, first line, length)` of every function in `text`, by rustfmt layout.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let mut rest = trimmed;
        for qualifier in ["pub(crate) ", "pub(super) ", "pub ", "const ", "async ", "unsafe "] {
            rest = rest.strip_prefix(qualifier).unwrap_or(rest);
        }
        let Some(signature) = rest.strip_prefix("fn ") else { continue };
        // One-line functions and declarations without a body end on the same line.
        if line.trim_end().ends_with('}') || line.trim_end().ends_with(';') {
            continue;
        }
        let name: String = signature.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let closing = format!("{indent}}}");
        if let Some(offset) = lines[start + 1..].iter().position(|l| l.trim_end() == closing) {
            found.push((name, start + 1, offset + 2));
        }
    }
    found
}

#[test]
fn library_files_and_functions_are_small() {
    let mut problems = Vec::new();
    for (path, text) in library_sources() {
        let lines = text.lines().count();
        if lines > MAX_FILE_LINES {
            problems.push(format!("{}: {lines} lines (limit {MAX_FILE_LINES})", path.display()));
        }
        for (name, line, length) in functions(non_test_part(&text)) {
            if length > MAX_FUNCTION_LINES {
                problems.push(format!(
                    "{}:{line}: fn {name} is {length} lines (limit {MAX_FUNCTION_LINES})",
                    path.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "architecture limits exceeded:\n{}", problems.join("\n"));
}

#[test]
fn library_errors_are_typed() {
    let mut problems = Vec::new();
    for (path, text) in library_sources() {
        for (i, line) in non_test_part(&text).lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
            let string_result = compact.contains(",String>") && compact.contains("Result<");
            let string_payload = compact.contains("Error(pubString)") || compact.contains("Error(String)");
            if string_result || string_payload {
                problems.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(problems.is_empty(), "String errors in library code:\n{}", problems.join("\n"));
}

#[test]
fn library_crates_do_no_io_and_print_nothing() {
    let forbidden = ["println!", "eprintln!", "print!(", "eprint!(", "std::fs", "std::io::stdin", "std::env::var"];
    let mut problems = Vec::new();
    for (path, text) in sources_of(&PURE_CRATES) {
        for (i, line) in non_test_part(&text).lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if let Some(f) = forbidden.iter().find(|f| code.contains(*f)) {
                problems.push(format!("{}:{}: `{f}`", path.display(), i + 1));
            }
        }
    }
    assert!(problems.is_empty(), "I/O in library code:\n{}", problems.join("\n"));
}

#[test]
fn the_io_crate_prints_nothing() {
    let mut problems = Vec::new();
    for (path, text) in sources_of(&["fleetplan-io"]) {
        for (i, line) in non_test_part(&text).lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if ["println!", "eprintln!", "print!(", "eprint!("].iter().any(|f| code.contains(f)) {
                problems.push(format!("{}:{}", path.display(), i + 1));
            }
        }
    }
    assert!(problems.is_empty(), "printing in fleetplan-io:\n{}", problems.join("\n"));
}

#[test]
fn anyhow_is_not_a_dependency() {
    let root = workspace_root();
    let mut manifests = vec![root.join("Cargo.toml")];
    for entry in fs::read_dir(root.join("crates")).expect("crates dir").flatten() {
        manifests.push(entry.path().join("Cargo.toml"));
    }
    for manifest in manifests.iter().filter(|m| m.exists()) {
        let text = fs::read_to_string(manifest).expect("manifest");
        assert!(!text.contains("anyhow"), "{} still depends on anyhow", manifest.display());
    }
}

#[test]
fn the_function_scanner_finds_long_functions() {
    let body: String = (0..130).map(|i| format!("    let x{i} = {i};\n")).collect();
    let text = format!("pub(crate) fn long_one() {{\n{body}}}\n\nfn short() {{\n    1;\n}}\n");
    let found = functions(&text);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0], ("long_one".to_string(), 1, 132));
    assert_eq!(found[1].0, "short");
}
