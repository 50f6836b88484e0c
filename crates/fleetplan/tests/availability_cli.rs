//! Availability end to end: evaluating a fleet that holds a chip before its catalog
//! availability quarter is a located error (file:line:col of the holding's `from`, the chip's
//! quarter and firmness, the fix), exit 2, nothing on stdout.

use std::path::Path;
use std::process::Command;

#[test]
fn evaluating_a_fleet_holding_a_chip_early_is_a_located_error() {
    let rel = "tests/broken/fleet-before-chip-available.toml";
    let out = Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args(["evaluate", rel])
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", String::from_utf8_lossy(&out.stdout));
    // Line 64, column 8 is the value of `from = "2025Q2"` in the fixture.
    assert!(stderr.contains(&format!("{rel}:64:8")), "{stderr}");
    assert!(stderr.contains("2026Q3 (announced)"), "{stderr}");
    insta::assert_snapshot!("evaluate_fleet_before_chip_available", stderr);
}
