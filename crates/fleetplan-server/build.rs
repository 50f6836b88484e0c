//! Embeds every file under `assets/` and every `examples/*.toml` into the binary: writes
//! `$OUT_DIR/assets.rs` and `$OUT_DIR/examples.rs`, tables of `(relative name, bytes)` built with
//! `include_bytes!`, so the dashboard reads no file at run time and a new asset or example needs
//! no code change.

use std::path::{Path, PathBuf};

fn collect(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect(&path, &format!("{prefix}{name}/"), out);
        } else {
            out.push((format!("{prefix}{name}"), path));
        }
    }
}

/// `pub static NAME: &[(&str, &[u8])]` listing `files` with `include_bytes!`.
fn table(doc: &str, name: &str, files: &[(String, PathBuf)]) -> String {
    let mut code = format!("/// {doc}\npub static {name}: &[(&str, &[u8])] = &[\n");
    for (file, path) in files {
        code.push_str(&format!("    ({file:?}, include_bytes!({:?})),\n", path.display().to_string()));
    }
    code.push_str("];\n");
    code
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=assets");
    let mut assets = Vec::new();
    collect(&root.join("assets"), "", &mut assets);
    let code = table("Every file of `assets/`: (path relative to `assets/`, contents).", "ASSETS", &assets);
    std::fs::write(out_dir.join("assets.rs"), code).expect("OUT_DIR is writable");

    // The workspace's examples/*.toml, so that `fleetplan serve` offers them from any directory.
    let examples_dir = root.join("../../examples");
    println!("cargo:rerun-if-changed=../../examples");
    let mut examples = Vec::new();
    collect(&examples_dir, "", &mut examples);
    examples.retain(|(name, _)| name.ends_with(".toml") && !name.contains('/'));
    let code = table("Every `examples/*.toml` of the workspace: (file name, contents).", "EXAMPLES", &examples);
    std::fs::write(out_dir.join("examples.rs"), code).expect("OUT_DIR is writable");
}
