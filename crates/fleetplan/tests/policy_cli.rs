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
        "--buyer-attribute",
        "cn-h200-approved",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["kind"], "licence-required");
    assert_eq!(v["rule_id"], "jan2026-case-by-case");
    assert_eq!(v["buyer_attributes"][0], "cn-h200-approved");
    assert_eq!(v["fee_fraction"], 0.25);
    assert_eq!(v["fee_rules"][0], "jan2026-tariff-h200");
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

/// The verdict code of `chip` at `site` in a matrix printed as text.
fn cell(matrix: &str, chip: &str, site: &str) -> String {
    let rows: Vec<Vec<&str>> = matrix
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|-"))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    let column = rows[0].iter().position(|h| *h == site).unwrap();
    let row = rows.iter().find(|r| r[0] == chip).unwrap_or_else(|| panic!("no row {chip} in\n{matrix}"));
    row[column].to_string()
}

#[test]
fn matrix_for_a_china_hq_buyer_in_june_2026() {
    let o = fleetplan(&["policy", "matrix", "--date", "2026-06-01", "--buyer-hq", "CN"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    // H200: licence (case by case) plus the 25 % duty; H20: blocked by China; Blackwell and
    // MI355X: denied; domestic chips allowed; the Gulf closed to a China-HQ buyer.
    assert_eq!(cell(&text, "h200", "cn"), "L+25%*");
    assert_eq!(cell(&text, "h20", "cn"), "P*");
    assert_eq!(cell(&text, "b200", "cn"), "P*");
    assert_eq!(cell(&text, "mi355x", "cn"), "P*");
    assert_eq!(cell(&text, "ascend-910c", "cn"), "A*");
    assert_eq!(cell(&text, "h100-sxm", "ae"), "P*");
    assert_eq!(cell(&text, "h100-sxm", "my-johor"), "L*");
    assert!(text.contains("cn-cac-cancel-orders") && text.contains("nov2025-no-blackwell-china"), "{text}");
    insta::assert_snapshot!("matrix_cn_2026_06", text);
    // A fee on a purchase that cannot happen is not shown; on 2025-09-01 China's own guidance
    // blocks the H20 purchase, and with that guidance switched off the US 15 % share shows.
    let o = fleetplan(&["policy", "matrix", "--date", "2025-09-01", "--buyer-hq", "CN"]);
    assert_eq!(cell(&stdout(&o), "h20", "cn"), "P*");
    let o = fleetplan(&[
        "policy",
        "matrix",
        "--date",
        "2025-09-01",
        "--buyer-hq",
        "CN",
        "--disable-rule",
        "cn-halt-h20-orders",
    ]);
    assert_eq!(cell(&stdout(&o), "h20", "cn"), "A+15%*");
}

#[test]
fn check_with_buyer_attributes_and_fees() {
    let check = |chip: &str, site: &str, hq: &str, date: &str, extra: &[&str]| {
        let mut args = vec!["policy", "check", "--chip", chip, "--site", site, "--date", date, "--buyer-hq", hq];
        args.extend(extra);
        let o = fleetplan(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let approved = ["--buyer-attribute", "cn-h200-approved"];
    let text = check("h200", "cn", "CN", "2026-06-01", &approved);
    assert!(text.contains("rule:      jan2026-case-by-case (91 FR 1684)"), "{text}");
    assert!(text.contains("CN-headquartered buyer (cn-h200-approved)"), "{text}");
    assert!(
        text.contains("fees:      25 % (jan2026-tariff-h200; added to the accelerator price of a purchase)"),
        "{text}"
    );
    let text = check("h200", "cn", "CN", "2026-06-01", &[]);
    assert!(text.contains("rule:      cn-h200-conditional"), "{text}");
    // The affiliates rule: in force, suspended, back.
    let affiliate = ["--buyer-attribute", "listed-affiliate"];
    assert!(
        check("h100-sxm", "my-johor", "MY", "2025-10-01", &affiliate).contains("rule:      sep2025-affiliates-rule")
    );
    assert!(check("h100-sxm", "my-johor", "MY", "2026-06-01", &affiliate).starts_with("allowed"));
    assert!(check("h100-sxm", "my-johor", "MY", "2026-11-10", &affiliate).starts_with("prohibited"));
    // An unknown attribute is a user error with a suggestion.
    let o = fleetplan(&[
        "policy",
        "check",
        "--chip",
        "h200",
        "--site",
        "cn",
        "--date",
        "2026-06-01",
        "--buyer-hq",
        "CN",
        "--buyer-attribute",
        "listed-afiliate",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `listed-affiliate`?"), "{}", stderr(&o));
}

/// A chip asked about before its availability quarter gets its verdict with a note that it
/// cannot be had yet (text), and `available_on_date` in JSON; after that quarter, no note.
#[test]
fn check_names_a_chip_not_yet_available_on_the_date() {
    let args = |date: &'static str, json: bool| {
        let mut a =
            vec!["policy", "check", "--chip", "rubin-vr200", "--site", "us", "--buyer-hq", "US", "--date", date];
        if json {
            a.push("--json");
        }
        fleetplan(&a)
    };
    let early = args("2025-06-01", false);
    assert!(early.status.success(), "{}", stderr(&early));
    assert!(stdout(&early).contains("cannot be bought or leased before 2026Q3"), "{}", stdout(&early));
    let later = args("2026-10-01", false);
    assert!(later.status.success() && !stdout(&later).contains("cannot be bought"), "{}", stdout(&later));
    let json: serde_json::Value = serde_json::from_str(&stdout(&args("2025-06-01", true))).unwrap();
    assert_eq!(json["available"], serde_json::json!("2026Q3"));
    assert_eq!(json["available_on_date"], serde_json::json!(false));
    let json: serde_json::Value = serde_json::from_str(&stdout(&args("2026-10-01", true))).unwrap();
    assert_eq!(json["available_on_date"], serde_json::json!(true));
}
