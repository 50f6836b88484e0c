//! `fleetplan policy check|matrix` and `fleetplan catalog rules`, run as a user would.

use std::process::{Command, Output};

fn fleetplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleetplan")).args(args).env("NO_COLOR", "1").output().expect("fleetplan runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn check_h20_in_china_during_the_is_informed_letter() {
    let o =
        fleetplan(&["policy", "check", "--chip", "h20", "--site", "cn", "--date", "2025-06-01", "--buyer-hq", "CN"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.split_whitespace().next(), Some("licence-required"));
    insta::assert_snapshot!("check_h20_cn_2025_06", text);
}

#[test]
fn check_lease_abroad_is_allowed_with_red_flag() {
    let o = fleetplan(&[
        "policy",
        "check",
        "--chip",
        "h100-sxm",
        "--site",
        "my-johor",
        "--date",
        "2025-06-01",
        "--buyer-hq",
        "cn",
        "--lease",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("allowed"), "{text}");
    assert!(text.contains("may2025-iaas-red-flag"), "{text}");
    insta::assert_snapshot!("check_h100_johor_lease", text);
}

#[test]
fn check_flags_change_the_answer() {
    let base =
        ["policy", "check", "--chip", "h100-sxm", "--site", "my-johor", "--date", "2025-06-01", "--buyer-hq", "US"];
    let plain = stdout(&fleetplan(&base));
    assert!(plain.starts_with("allowed"), "{plain}");
    let mut with_diffusion = base.to_vec();
    with_diffusion.extend(["--enable-rule", "jan2025-diffusion"]);
    let text = stdout(&fleetplan(&with_diffusion));
    assert!(text.starts_with("licence-required"), "{text}");
    assert!(text.contains("jan2025-diffusion (90 FR 4544)"), "{text}");
    with_diffusion.push("--assume-licences");
    let text = stdout(&fleetplan(&with_diffusion));
    assert!(text.starts_with("allowed") && text.contains("licence assumed granted"), "{text}");

    let blocked =
        ["policy", "check", "--chip", "h100-sxm", "--site", "my-johor", "--date", "2025-06-01", "--buyer-hq", "CN"];
    assert!(stdout(&fleetplan(&blocked)).starts_with("licence-required"));
    let mut disabled = blocked.to_vec();
    disabled.extend(["--disable-rule", "oct2023-hq"]);
    assert!(stdout(&fleetplan(&disabled)).starts_with("allowed"));
}

#[test]
fn check_json_has_the_verdict_and_metrics() {
    let o = fleetplan(&[
        "policy",
        "check",
        "--chip",
        "h200",
        "--site",
        "cn",
        "--date",
        "2026-02-01",
        "--buyer-hq",
        "CN",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["kind"], "licence-required");
    assert_eq!(v["rule_id"], "jan2026-case-by-case");
    assert_eq!(v["citation"], "91 FR 1684");
    assert_eq!(v["tpp"], 15832.0);
    assert_eq!(v["classification_oct2023"], "3A090.a.1");
    assert!(v["advisories"].as_array().unwrap().iter().any(|a| a.as_str().unwrap().starts_with("jan2026-tariff-h200")));
}

#[test]
fn matrix_for_a_china_hq_buyer() {
    let o = fleetplan(&["policy", "matrix", "--buyer-hq", "CN", "--date", "2025-06-01"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("matrix_cn_2025_06", stdout(&o));
}

#[test]
fn matrix_json_is_keyed_by_chip_then_site() {
    let o = fleetplan(&["policy", "matrix", "--buyer-hq", "US", "--date", "2024-06-01", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["h100-sxm"]["us"]["kind"], "allowed");
    assert_eq!(v["h100-sxm"]["cn"]["kind"], "prohibited");
    assert_eq!(v["h100-sxm"]["ae"]["kind"], "licence-required");
    assert_eq!(v["l20"]["cn"]["kind"], "allowed");
}

#[test]
fn unknown_ids_fail_with_suggestions_and_exit_2() {
    let o =
        fleetplan(&["policy", "check", "--chip", "h2000", "--site", "jb", "--date", "2025-06-01", "--buyer-hq", "CN"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("unknown accelerator id `h2000` (did you mean `h200`?)"), "{err}");
    assert!(err.contains("unknown region id `jb`"), "{err}");
    assert!(err.contains("expected one of: cn, my-johor"), "{err}");
    assert!(stdout(&o).is_empty());

    let o = fleetplan(&[
        "policy",
        "check",
        "--chip",
        "h20",
        "--site",
        "cn",
        "--date",
        "2025-06-01",
        "--buyer-hq",
        "CN",
        "--disable-rule",
        "oct2032",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `oct2022`?"), "{}", stderr(&o));

    let o = fleetplan(&["policy", "matrix", "--buyer-hq", "CN", "--date", "2025-06-01", "--enable-rule", "diffusion"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown rule id `diffusion`"), "{}", stderr(&o));
}

#[test]
fn bad_date_and_country_fail_with_exit_2() {
    let o =
        fleetplan(&["policy", "check", "--chip", "h20", "--site", "cn", "--date", "2025-02-30", "--buyer-hq", "CN"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`2025-02-30` is not a calendar date"), "{}", stderr(&o));
    let o = fleetplan(&["policy", "matrix", "--buyer-hq", "CN", "--date", "June 2025"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected YYYY-MM-DD"), "{}", stderr(&o));
    let o = fleetplan(&["policy", "matrix", "--buyer-hq", "China", "--date", "2025-06-01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not an ISO 3166 alpha-2 country code"), "{}", stderr(&o));
}

#[test]
fn catalog_rules_table_and_json() {
    let o = fleetplan(&["catalog", "rules"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("catalog_rules", stdout(&o));

    let o = fleetplan(&["catalog", "rules", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["oct2023"]["citation"], "88 FR 73458");
    assert_eq!(v["jan2025-diffusion"]["never_in_force"], true);
    assert_eq!(v["jan2025-diffusion"]["end_date"], "2025-05-13");
    assert_eq!(v["jul2025-h20-resume"]["fee_pct"], 15.0);
}
