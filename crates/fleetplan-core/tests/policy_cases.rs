//! Export-control engine against the built-in catalog: chip metrics and classification, and
//! policy answers along the timeline in the data pack (§2.2, §2.4, §2.5, §2.6).

use fleetplan_core::catalog::{Accelerator, Catalog};
use fleetplan_core::policy::*;

fn catalog() -> Catalog {
    Catalog::builtin().expect("built-in catalog parses")
}

fn chip(c: &Catalog, id: &str) -> Accelerator {
    c.accelerator(id).unwrap().clone()
}

fn ask_with(c: &Catalog, chip: &str, site: &str, hq: &str, date: &str, own: Ownership, o: &PolicyOptions) -> Verdict {
    let query = PolicyQuery {
        chip: c.accelerator(chip).unwrap(),
        site: c.region(site).unwrap(),
        buyer_hq: hq,
        buyer_attributes: &[],
        date: date.parse().unwrap(),
        ownership: own,
    };
    judge(c, &query, o)
}

fn ask(c: &Catalog, chip: &str, site: &str, hq: &str, date: &str, own: Ownership) -> Verdict {
    ask_with(c, chip, site, hq, date, own, &PolicyOptions::default())
}

fn has_advisory(v: &Verdict, rule_id: &str) -> bool {
    v.advisories.iter().any(|a| a.starts_with(&format!("{rule_id}:")))
}

const OWN: Ownership = Ownership::Own;
const LEASE: Ownership = Ownership::Lease;

// --- metrics and classification ---------------------------------------------------------------

#[test]
fn tpp_and_density_match_the_data_pack() {
    let c = catalog();
    // (id, TPP, PD) from data pack §1.2 (press cross-checks: H100 PD 19.4, H20 PD 2.9).
    let expected = [
        ("h100-sxm", 15_832.0, 19.45),
        ("h200", 15_832.0, 19.45),
        ("h20", 2_368.0, 2.91),
        ("l20", 1_912.0, 3.139), // 1,912 / 609 = 3.1396
        ("a800", 4_992.0, 6.04),
        ("l40s", 5_864.0, 9.63),
        ("b200", 36_000.0, 22.5),
    ];
    for (id, tpp_expected, pd_expected) in expected {
        let a = chip(&c, id);
        assert!((tpp(&a) - tpp_expected).abs() < 0.5, "{id}: TPP {}", tpp(&a));
        let pd = performance_density(&a).unwrap();
        assert!((pd - pd_expected).abs() < 0.011, "{id}: PD {pd}");
    }
    assert_eq!(chip_metrics(&chip(&c, "mi325x")).tpp.round(), 20_919.0);
}

#[test]
fn classification_under_both_rule_sets() {
    let c = catalog();
    use Classification::*;
    let expected = [
        ("a100-sxm-80g", Controlled2022, A1),
        ("a800", NotControlled, A1), // 400 GB/s links designed around the 2022 I/O test
        ("h100-sxm", Controlled2022, A1),
        ("h800", NotControlled, A1),
        ("h20", NotControlled, NotControlled), // TPP < 2,400 and PD < 3.2
        ("l20", NotControlled, NotControlled), // PD 3.14, just under 3.2
        ("l40s", NotControlled, A1),           // PCIe, < 600 GB/s
        ("mi300x", Controlled2022, A1),        // 896 GB/s
        ("b200", Controlled2022, A1),
    ];
    for (id, oct2022, oct2023) in expected {
        let a = chip(&c, id);
        assert_eq!(classify(&a, RuleSet::Oct2022), oct2022, "{id} under Oct-2022");
        assert_eq!(classify(&a, RuleSet::Oct2023), oct2023, "{id} under Oct-2023");
        assert_eq!(classify_3a090(&a), oct2023);
    }
}

#[test]
fn each_3a090_entry_and_note_2() {
    let c = catalog();
    let base = chip(&c, "h20"); // int8/fp8 296 → TPP 2,368
    let with = |tops: f64, die: Option<f64>, dc: bool| {
        let mut a = base.clone();
        a.bf16_dense_tflops = tops / 16.0;
        a.fp16_dense_tflops = None;
        a.fp8_dense_tflops = None;
        a.int8_dense_tops = None;
        a.fp4_dense_tflops = None;
        a.die_area_mm2 = die;
        a.datacenter_marketed = dc;
        a
    };
    // a.2: TPP 2,000, PD 6.25.
    assert_eq!(classify_3a090(&with(2000.0, Some(320.0), true)), Classification::A2);
    // b.1: TPP 3,000, PD 2.0.
    assert_eq!(classify_3a090(&with(3000.0, Some(1500.0), true)), Classification::B1);
    // b.2: TPP 2,000, PD 4.0 (b.1 fails on TPP).
    assert_eq!(classify_3a090(&with(2000.0, Some(500.0), true)), Classification::B2);
    // Just below b.1's TPP and b.2's PD: not controlled (H20 territory).
    assert_eq!(classify_3a090(&with(2399.0, Some(800.0), true)), Classification::NotControlled);
    // Boundaries are inclusive: TPP exactly 4,800 is a.1, PD exactly 5.92 is a.2.
    assert_eq!(classify_3a090(&with(4800.0, Some(10_000.0), true)), Classification::A1);
    assert_eq!(classify_3a090(&with(2960.0, Some(500.0), true)), Classification::A2);
    // Note 2: a non-data-centre part below 4,800 is outside, even with high density ...
    assert_eq!(classify_3a090(&with(3000.0, Some(100.0), false)), Classification::OutsideNote2);
    // ... but not at or above 4,800.
    assert_eq!(classify_3a090(&with(5000.0, Some(100.0), false)), Classification::A1);
    // Unknown die area only matters between 1,600 and 4,800.
    assert_eq!(classify_3a090(&with(3000.0, None, true)), Classification::UnknownDieArea);
    assert_eq!(classify_3a090(&with(1000.0, None, true)), Classification::NotControlled);
    assert_eq!(classify_3a090(&with(9000.0, None, true)), Classification::A1);
}

#[test]
fn classification_displays_and_serializes() {
    assert_eq!(Classification::A1.to_string(), "3A090.a.1");
    assert_eq!(Classification::B2.to_string(), "3A090.b.2");
    assert_eq!(Classification::NotControlled.to_string(), "not controlled");
    assert_eq!(serde_json::to_string(&Classification::A2).unwrap(), "\"3A090.a.2\"");
    assert!(Classification::UnknownDieArea.to_string().contains("die area unknown"));
    assert!(!Classification::OutsideNote2.is_controlled() && Classification::B1.is_controlled());
}

// --- policy answers along the timeline --------------------------------------------------------

#[test]
fn h20_in_china_before_during_and_after_the_is_informed_letter() {
    let c = catalog();
    let before = ask(&c, "h20", "cn", "CN", "2025-03-01", OWN);
    assert_eq!(before.kind, VerdictKind::Allowed, "{before:?}");
    assert_eq!(before.rule_id, None);

    let during = ask(&c, "h20", "cn", "CN", "2025-06-01", OWN);
    assert_eq!(during.kind, VerdictKind::LicenceRequired, "{during:?}");
    assert!(during.rule_id.as_deref().unwrap().starts_with("apr2025-h20"));

    // From August 2025 China's guidance against new H20 orders binds by default ...
    let after = ask(&c, "h20", "cn", "CN", "2025-08-15", OWN);
    assert_eq!(after.kind, VerdictKind::Prohibited, "{after:?}");
    assert_eq!(after.rule_id.as_deref(), Some("cn-halt-h20-orders"));
    // ... and a scenario that switches it off sees the US side: licences resumed, 15 % share.
    let ignoring = PolicyOptions { disabled_rules: vec!["cn-halt-h20-orders".into()], ..PolicyOptions::default() };
    let query = PolicyQuery {
        chip: c.accelerator("h20").unwrap(),
        site: c.region("cn").unwrap(),
        buyer_hq: "CN",
        buyer_attributes: &[],
        date: "2025-08-15".parse().unwrap(),
        ownership: OWN,
    };
    let us_side = judge(&c, &query, &ignoring);
    assert_eq!(us_side.kind, VerdictKind::Allowed, "{us_side:?}");
    assert_eq!(us_side.rule_id.as_deref(), Some("jul2025-h20-resume"));
    assert!(us_side.reason.contains("15 %"), "{}", us_side.reason);
}

#[test]
fn a800_in_china_before_and_after_oct_2023() {
    let c = catalog();
    let v2023 = ask(&c, "a800", "cn", "CN", "2023-01-01", OWN);
    assert_eq!(v2023.kind, VerdictKind::Allowed, "{v2023:?}");
    let v2024 = ask(&c, "a800", "cn", "CN", "2024-01-01", OWN);
    assert_eq!(v2024.kind, VerdictKind::Prohibited, "{v2024:?}");
    assert_eq!(v2024.rule_id.as_deref(), Some("oct2023"));
    assert_eq!(v2024.citation.as_deref(), Some("88 FR 73458"));
}

#[test]
fn h100_in_china_was_blocked_already_in_2022() {
    let c = catalog();
    let v = ask(&c, "h100-sxm", "cn", "US", "2023-01-01", OWN);
    assert_eq!(v.kind, VerdictKind::Prohibited);
    assert_eq!(v.rule_id.as_deref(), Some("oct2022"));
    assert_eq!(v.citation.as_deref(), Some("87 FR 62186"));
    // Before the 2022 rule took effect nothing applied.
    assert_eq!(ask(&c, "h100-sxm", "cn", "CN", "2022-10-01", OWN).kind, VerdictKind::Allowed);
}

#[test]
fn china_hq_buyer_abroad_owning_needs_a_licence_leasing_does_not() {
    let c = catalog();
    let own = ask(&c, "h100-sxm", "my-johor", "CN", "2025-06-01", OWN);
    assert_eq!(own.kind, VerdictKind::LicenceRequired, "{own:?}");
    assert_eq!(own.rule_id.as_deref(), Some("oct2023-hq"));

    let lease = ask(&c, "h100-sxm", "my-johor", "CN", "2025-06-01", LEASE);
    assert_eq!(lease.kind, VerdictKind::Allowed, "{lease:?}");
    assert!(lease.reason.contains("not an export to the buyer"), "{}", lease.reason);
    assert!(has_advisory(&lease, "may2025-iaas-red-flag"), "{:?}", lease.advisories);

    // Before May 2025 there was no IaaS red flag.
    let early = ask(&c, "h100-sxm", "my-johor", "CN", "2025-01-10", LEASE);
    assert_eq!(early.kind, VerdictKind::Allowed);
    assert!(!has_advisory(&early, "may2025-iaas-red-flag"));

    // Leasing inside China does not avoid the destination control.
    assert_eq!(ask(&c, "h100-sxm", "cn", "CN", "2025-06-01", LEASE).kind, VerdictKind::Prohibited);
}

#[test]
fn us_buyer_in_the_us_is_allowed() {
    let c = catalog();
    let v = ask(&c, "h100-sxm", "us", "US", "2025-06-01", OWN);
    assert_eq!(v.kind, VerdictKind::Allowed, "{v:?}");
    assert_eq!(v.rule_id, None);
    assert!(v.advisories.is_empty(), "{:?}", v.advisories);
    assert_eq!(ask(&c, "gb300", "us", "US", "2026-06-01", OWN).kind, VerdictKind::Allowed);
}

#[test]
fn middle_east_destinations_need_a_licence() {
    let c = catalog();
    let v = ask(&c, "h100-sxm", "ae", "US", "2025-06-01", OWN);
    assert_eq!(v.kind, VerdictKind::LicenceRequired, "{v:?}");
    assert_eq!(v.rule_id.as_deref(), Some("oct2023-d1d4"));
    // Finland (A:5) is excluded.
    assert_eq!(ask(&c, "h100-sxm", "fi", "US", "2025-06-01", OWN).kind, VerdictKind::Allowed);
}

#[test]
fn diffusion_rule_never_applied_unless_enabled() {
    let c = catalog();
    let rescinded = ask(&c, "h100-sxm", "my-johor", "US", "2025-06-01", OWN);
    assert_eq!(rescinded.kind, VerdictKind::Allowed, "{rescinded:?}");
    let stood = PolicyOptions { enabled_rules: vec!["jan2025-diffusion".into()], ..Default::default() };
    let v = ask_with(&c, "h100-sxm", "my-johor", "US", "2025-06-01", OWN, &stood);
    assert_eq!(v.kind, VerdictKind::LicenceRequired, "{v:?}");
    assert_eq!(v.rule_id.as_deref(), Some("jan2025-diffusion"));
    assert_eq!(v.citation.as_deref(), Some("90 FR 4544"));
    // Tier 1 and dates before the compliance date stay unaffected.
    assert_eq!(ask_with(&c, "h100-sxm", "fi", "US", "2025-06-01", OWN, &stood).kind, VerdictKind::Allowed);
    assert_eq!(ask_with(&c, "h100-sxm", "my-johor", "US", "2025-05-01", OWN, &stood).kind, VerdictKind::Allowed);
    // A non-3A090 chip is outside it.
    assert_eq!(ask_with(&c, "l20", "my-johor", "US", "2025-06-01", OWN, &stood).kind, VerdictKind::Allowed);
    assert!(c.rule("jan2025-diffusion").unwrap().never_in_force(&c));
}

#[test]
fn h200_in_china_around_the_january_2026_policy() {
    let c = catalog();
    // Dec 2025: announced only, still blocked, with the announcement as an advisory.
    let dec = ask(&c, "h200", "cn", "CN", "2025-12-20", OWN);
    assert_eq!(dec.kind, VerdictKind::Prohibited, "{dec:?}");
    assert_eq!(dec.rule_id.as_deref(), Some("oct2023"));
    assert!(has_advisory(&dec, "dec2025-h200"));
    // 14-27 Jan 2026: Chinese customs block imports.
    let block = ask(&c, "h200", "cn", "CN", "2026-01-20", OWN);
    assert_eq!(block.kind, VerdictKind::Prohibited, "{block:?}");
    assert_eq!(block.rule_id.as_deref(), Some("cn-h200-customs-block"));
    // From Feb 2026: US case-by-case review and a 25 % duty; China's approval decides for a
    // buyer it has not named (see h200_owned_in_china_around_15_and_28_january_2026).
    let feb = ask(&c, "h200", "cn", "CN", "2026-02-01", OWN);
    assert_eq!(feb.kind, VerdictKind::LicenceRequired, "{feb:?}");
    assert_eq!(feb.rule_id.as_deref(), Some("cn-h200-conditional"));
    assert!(has_advisory(&feb, "jan2026-tariff-h200"), "{:?}", feb.advisories);
    assert!(feb.advisories.iter().any(|a| a.contains("jan2026-case-by-case")), "{:?}", feb.advisories);
    // Blackwell stays above the zone and is ruled out by policy: presumption of denial.
    let b200 = ask(&c, "b200", "cn", "CN", "2026-02-01", OWN);
    assert_eq!(b200.kind, VerdictKind::Prohibited);
    assert_eq!(b200.rule_id.as_deref(), Some("nov2025-no-blackwell-china"));
}

#[test]
fn l20_in_china_is_allowed_throughout() {
    let c = catalog();
    for date in ["2022-12-01", "2023-12-01", "2025-06-01", "2025-09-01", "2026-03-01"] {
        let v = ask(&c, "l20", "cn", "CN", date, OWN);
        assert_eq!(v.kind, VerdictKind::Allowed, "{date}: {v:?}");
    }
}

#[test]
fn chinese_chips_get_advisories_not_us_licences() {
    let c = catalog();
    let v = ask(&c, "ascend-910b", "cn", "CN", "2025-12-01", OWN);
    assert_eq!(v.kind, VerdictKind::Allowed, "{v:?}");
    assert!(has_advisory(&v, "may2025-gp10"));
    assert!(has_advisory(&v, "cn-power-subsidy"));
    assert!(!has_advisory(&v, "cn-state-dc-domestic"));
    // And foreign chips in China after Nov 2025 carry the state-DC advisory.
    assert!(has_advisory(&ask(&c, "l20", "cn", "CN", "2025-12-01", OWN), "cn-state-dc-domestic"));
}

#[test]
fn disabling_a_rule_changes_the_answer() {
    let c = catalog();
    let off = PolicyOptions { disabled_rules: vec!["oct2023-hq".into()], ..Default::default() };
    let v = ask_with(&c, "h100-sxm", "my-johor", "CN", "2025-06-01", OWN, &off);
    assert_eq!(v.kind, VerdictKind::Allowed, "{v:?}");
    // Disabling the relaxing rule brings the presumption of denial back.
    let off = PolicyOptions { disabled_rules: vec!["jan2026-case-by-case".into()], ..Default::default() };
    assert_eq!(ask_with(&c, "h200", "cn", "CN", "2026-02-01", OWN, &off).kind, VerdictKind::Prohibited);
}

#[test]
fn assumed_licences_turn_requirements_into_allowed_but_not_blocks() {
    let c = catalog();
    let yes = PolicyOptions { assume_licences_granted: true, ..Default::default() };
    let v = ask_with(&c, "h100-sxm", "my-johor", "CN", "2025-06-01", OWN, &yes);
    assert_eq!(v.kind, VerdictKind::Allowed);
    assert!(v.reason.contains("licence assumed granted"), "{}", v.reason);
    let v = ask_with(&c, "h100-sxm", "cn", "CN", "2025-06-01", OWN, &yes);
    assert_eq!(v.kind, VerdictKind::Allowed);
    assert!(v.reason.contains("presumption of denial"), "{}", v.reason);
    // A customs block is not a licence matter.
    assert_eq!(ask_with(&c, "h200", "cn", "CN", "2026-01-20", OWN, &yes).kind, VerdictKind::Prohibited);
}

#[test]
fn unknown_die_area_is_treated_as_controlled_and_said_so() {
    let c = catalog();
    let mut probe = chip(&c, "h20");
    probe.id = "probe".into();
    probe.die_area_mm2 = None;
    probe.bf16_dense_tflops = 200.0; // TPP 3,200 with fp8/int8 at 400
    probe.fp8_dense_tflops = Some(400.0);
    probe.int8_dense_tops = Some(400.0);
    assert_eq!(classify_3a090(&probe), Classification::UnknownDieArea);
    let query = PolicyQuery {
        chip: &probe,
        site: c.region("cn").unwrap(),
        buyer_hq: "CN",
        buyer_attributes: &[],
        date: "2024-06-01".parse().unwrap(),
        ownership: OWN,
    };
    let v = judge(&c, &query, &PolicyOptions::default());
    assert_eq!(v.kind, VerdictKind::Prohibited, "{v:?}");
    assert!(v.advisories.iter().any(|a| a.contains("die area")), "{:?}", v.advisories);
}

// --- rule data and options ----------------------------------------------------------------------

#[test]
fn builtin_rules_are_consistent_and_dated() {
    let c = catalog();
    let problems = c.integrity_problems();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(c.rules.len() >= 20);
    let oct2022 = c.rule("oct2022").unwrap();
    assert_eq!(oct2022.end_date(&c), Some(c.rule("oct2023").unwrap().effective));
    assert!(oct2022.in_force(&c, "2023-11-16".parse().unwrap()));
    assert!(!oct2022.in_force(&c, "2023-11-17".parse().unwrap()));
    assert!(c.rule("oct2023").unwrap().scope().contains("sites D:5"));
}

#[test]
fn bad_rule_data_is_reported() {
    let mut c = catalog();
    let text = r#"
[[rule]]
id = "broken"
name = "broken"
issuer = "US"
summary = "x"
announced = 2025-02-01
effective = 2025-01-01
ends = 2024-12-01
rescinded_by = "oct2032"
relaxes = ["broken"]
action = "fee"
chips = ["h2000"]
sites = ["china"]
tpp_min = 5000.0
tpp_below = 4000.0
source = "test"
confidence = "estimate"
"#;
    let err = c.apply_override("bad.toml", text).unwrap_err();
    let all: Vec<_> = err.iter().map(|d| d.message.as_str()).collect();
    let joined = all.join("\n");
    for needle in [
        "`announced` 2025-02-01 is after `effective`",
        "`ends` 2024-12-01 must be after",
        "unknown rule id `oct2032` (did you mean `oct2022`?)",
        "`relaxes` names the rule itself",
        "needs `fee_pct`",
        "unknown accelerator id `h2000` (did you mean `h200`?)",
        "`sites` entry `china`",
        "`tpp_min` 5000 must be below `tpp_below` 4000",
    ] {
        assert!(joined.contains(needle), "missing {needle:?} in:\n{joined}");
    }
}

#[test]
fn options_parse_strictly_and_report_unknown_rules() {
    let o: PolicyOptions = toml::from_str("disabled_rules = [\"oct2023-hq\"]").unwrap();
    assert_eq!(o.disabled_rules, vec!["oct2023-hq"]);
    assert!(o.enabled_rules.is_empty() && !o.assume_licences_granted);
    assert!(toml::from_str::<PolicyOptions>("assume_licenses_granted = true").is_err());
    let c = catalog();
    let o = PolicyOptions { enabled_rules: vec!["jan2025-difusion".into()], ..Default::default() };
    let unknown = o.unknown_rules(&c);
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].suggestion.as_deref(), Some("jan2025-diffusion"));
}

#[test]
fn verdicts_serialize_with_kebab_case_kinds() {
    let c = catalog();
    let v = ask(&c, "h20", "cn", "CN", "2025-06-01", OWN);
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["kind"], "licence-required");
    assert_eq!(VerdictKind::Prohibited.as_str(), "prohibited");
    assert_eq!(VerdictKind::Allowed.to_string(), "allowed");
}

#[test]
fn china_access_table_of_the_data_pack() {
    // data-pack.toml [[china_access]] for a China-HQ buyer owning chips in mainland China, at one
    // date inside each period: Oct-2022, Oct-2023 on, Apr-Jul 2025, Aug-Dec 2025, from 15 Jan 2026.
    // A allowed, L licence required (incl. case-by-case), P prohibited (blocked).
    let dates = ["2023-01-01", "2024-06-01", "2025-06-01", "2025-09-01", "2026-03-01"];
    let table = [
        ("a100-sxm-80g", "PPPPL"),
        ("h100-sxm", "PPPPL"),
        ("h200", "PPPPL"),
        ("a800", "APPPL"),
        ("h800", "APPPL"),
        ("l40s", "APPPL"),
        ("mi300x", "PPPPL"),
        ("mi325x", "PPPPL"),
        // The data pack groups Gaudi 3 with the case-by-case chips, but its TPP (29,360) is above
        // the 21,000 limit of 91 FR 1684, so the presumption of denial stays.
        ("gaudi3", "PPPPP"),
        ("b200", "PPPPP"),
        ("gb200", "PPPPP"),
        // The US side allows H20 again from Aug 2025 (data pack: A), but China's own guidance
        // against new H20 orders (Aug 2025) and the CAC order (17 Sep 2025) bind a China-HQ buyer.
        ("h20", "AALPP"),
        ("l20", "AAAAA"),
        ("ascend-910b", "AAAAA"),
    ];
    let c = catalog();
    for (chip, codes) in table {
        for (date, code) in dates.iter().zip(codes.chars()) {
            let v = ask(&c, chip, "cn", "CN", date, OWN);
            let got = match v.kind {
                VerdictKind::Allowed => 'A',
                VerdictKind::LicenceRequired => 'L',
                VerdictKind::Prohibited => 'P',
            };
            assert_eq!(got, code, "{chip} on {date}: {v:?}");
        }
    }
}

// --- rules of Jun 2025 - Nov 2026 (data-pack addendum 2) -----------------------------------------

/// A policy answer for a buyer with `attributes`.
fn ask_as(c: &Catalog, chip: &str, site: &str, hq: &str, attributes: &[&str], date: &str, own: Ownership) -> Verdict {
    let attributes: Vec<String> = attributes.iter().map(|a| a.to_string()).collect();
    let query = PolicyQuery {
        chip: c.accelerator(chip).unwrap(),
        site: c.region(site).unwrap(),
        buyer_hq: hq,
        buyer_attributes: &attributes,
        date: date.parse().unwrap(),
        ownership: own,
    };
    judge(c, &query, &PolicyOptions::default())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn h20_purchase_in_china_july_august_and_september_2025() {
    let c = catalog();
    // July 2025: resumption announced (15 Jul) but no licence issued before ~8 Aug.
    let july = ask(&c, "h20", "cn", "CN", "2025-07-20", OWN);
    assert_eq!(july.kind, VerdictKind::LicenceRequired, "{july:?}");
    assert_eq!(july.rule_id.as_deref(), Some("apr2025-h20"));
    assert_eq!(july.fee_fraction, 0.0);
    // From 1 Aug 2025 China's guidance against new H20 orders binds a China-HQ buyer by default.
    let halted = ask(&c, "h20", "cn", "CN", "2025-08-08", OWN);
    assert_eq!(halted.kind, VerdictKind::Prohibited, "{halted:?}");
    assert_eq!(halted.rule_id.as_deref(), Some("cn-halt-h20-orders"));
    // The US side, seen with that guidance switched off:
    let ignoring = PolicyOptions { disabled_rules: vec!["cn-halt-h20-orders".into()], ..PolicyOptions::default() };
    let ask_ignoring = |date: &str, own: Ownership, hq: &str| {
        let query = PolicyQuery {
            chip: c.accelerator("h20").unwrap(),
            site: c.region("cn").unwrap(),
            buyer_hq: hq,
            buyer_attributes: &[],
            date: date.parse().unwrap(),
            ownership: own,
        };
        judge(&c, &query, &ignoring)
    };
    // 8 Aug 2025: licences issued with a 15 % revenue share, a cost adder on the purchase.
    let aug = ask_ignoring("2025-08-08", OWN, "CN");
    assert_eq!(aug.kind, VerdictKind::Allowed, "{aug:?}");
    assert_eq!(aug.rule_id.as_deref(), Some("jul2025-h20-resume"));
    assert!(close(aug.fee_fraction, 0.15), "{}", aug.fee_fraction);
    assert_eq!(aug.fee_rules, vec!["jul2025-h20-resume"]);
    assert_eq!(ask_ignoring("2025-09-16", OWN, "CN").rule_id.as_deref(), Some("jul2025-h20-resume"));
    // 17 Sep 2025 on: the CAC tells its buyers to cancel orders (binding even with the
    // August guidance switched off).
    for date in ["2025-09-17", "2025-10-15", "2026-06-01"] {
        let v = ask_ignoring(date, OWN, "CN");
        assert_eq!(v.kind, VerdictKind::Prohibited, "{date}: {v:?}");
        assert_eq!(v.rule_id.as_deref(), Some("cn-cac-cancel-orders"), "{date}");
    }
    // ... which binds China-headquartered buyers' purchases, not leases or foreign buyers.
    let lease = ask(&c, "h20", "cn", "CN", "2025-10-15", LEASE);
    assert_eq!(lease.rule_id.as_deref(), Some("jul2025-h20-resume"), "{lease:?}");
    let foreign = ask(&c, "h20", "cn", "US", "2025-10-15", OWN);
    assert_eq!(foreign.rule_id.as_deref(), Some("jul2025-h20-resume"), "{foreign:?}");
}

#[test]
fn h200_owned_in_china_around_15_and_28_january_2026() {
    let c = catalog();
    let approved = ["cn-h200-approved"];
    // Before 15 Jan 2026: the Oct-2023 presumption of denial, no duty.
    let before = ask(&c, "h200", "cn", "CN", "2026-01-10", OWN);
    assert_eq!((before.kind, before.rule_id.as_deref()), (VerdictKind::Prohibited, Some("oct2023")), "{before:?}");
    assert_eq!(before.fee_fraction, 0.0);
    // 14 Jan: customs block, still no duty; 15 Jan: the Section 232 duty applies.
    assert_eq!(ask(&c, "h200", "cn", "CN", "2026-01-14", OWN).fee_fraction, 0.0);
    let after = ask(&c, "h200", "cn", "CN", "2026-01-15", OWN);
    assert_eq!(after.rule_id.as_deref(), Some("cn-h200-customs-block"), "{after:?}");
    assert!(close(after.fee_fraction, 0.25));
    assert_eq!(after.fee_rules, vec!["jan2026-tariff-h200"]);
    // The US case-by-case licence is listed beside China's block.
    assert!(after.advisories.iter().any(|a| a.starts_with("also case-by-case (US): jan2026-case-by-case")));
    // An approval attribute does not help before China's approvals (28 Jan).
    let early = ask_as(&c, "h200", "cn", "CN", &approved, "2026-01-27", OWN);
    assert_eq!(early.rule_id.as_deref(), Some("cn-h200-customs-block"));
    // From 28 Jan: a buyer China has not named needs its approval; a named one only the US licence.
    let unnamed = ask(&c, "h200", "cn", "CN", "2026-01-28", OWN);
    assert_eq!((unnamed.kind, unnamed.rule_id.as_deref()), (VerdictKind::LicenceRequired, Some("cn-h200-conditional")));
    let named = ask_as(&c, "h200", "cn", "CN", &approved, "2026-01-28", OWN);
    assert_eq!((named.kind, named.rule_id.as_deref()), (VerdictKind::LicenceRequired, Some("jan2026-case-by-case")));
    assert_eq!(named.citation.as_deref(), Some("91 FR 1684"));
    assert!(has_advisory(&named, "cn-h200-approval-conditions"), "{:?}", named.advisories);
    assert!(close(named.fee_fraction, 0.25));
    // With the licence assumed granted the purchase goes ahead, carrying the duty.
    let yes = PolicyOptions { assume_licences_granted: true, ..Default::default() };
    let attributes = vec!["cn-h200-approved".to_string()];
    let query = PolicyQuery {
        chip: c.accelerator("h200").unwrap(),
        site: c.region("cn").unwrap(),
        buyer_hq: "CN",
        buyer_attributes: &attributes,
        date: "2026-06-01".parse().unwrap(),
        ownership: OWN,
    };
    let granted = judge(&c, &query, &yes);
    assert_eq!(granted.kind, VerdictKind::Allowed, "{granted:?}");
    assert!(close(granted.fee_fraction, 0.25));
    // Disabling the duty rule removes the adder.
    let no_duty = PolicyOptions { disabled_rules: vec!["jan2026-tariff-h200".into()], ..yes };
    assert_eq!(judge(&c, &query, &no_duty).fee_fraction, 0.0);
    // Chips outside the duty band (H100: TPP as H200, DRAM 3.35 TB/s) carry none.
    assert_eq!(ask_as(&c, "h100-sxm", "cn", "CN", &approved, "2026-06-01", OWN).fee_fraction, 0.0);
}

#[test]
fn affiliate_of_a_listed_entity_before_during_and_after_the_suspension() {
    let c = catalog();
    let affiliate = ["listed-affiliate"];
    // A Malaysian company >= 50 % owned by listed parties, owning H100s in Johor.
    let at = |date: &str| ask_as(&c, "h100-sxm", "my-johor", "MY", &affiliate, date, OWN);
    for date in ["2025-09-28", "2025-11-10", "2026-06-01", "2026-11-09"] {
        let v = at(date);
        assert_eq!(v.kind, VerdictKind::Allowed, "{date}: {v:?}");
        assert_ne!(v.rule_id.as_deref(), Some("sep2025-affiliates-rule"), "{date}");
    }
    for date in ["2025-09-29", "2025-11-09", "2026-11-10", "2027-03-01"] {
        let v = at(date);
        assert_eq!(v.kind, VerdictKind::Prohibited, "{date}: {v:?}");
        assert_eq!(v.rule_id.as_deref(), Some("sep2025-affiliates-rule"), "{date}");
    }
    // Without the attribute, or leasing from an unrelated operator, the rule does not apply.
    assert_eq!(ask(&c, "h100-sxm", "my-johor", "MY", "2025-10-01", OWN).kind, VerdictKind::Allowed);
    assert_eq!(ask_as(&c, "h100-sxm", "my-johor", "MY", &affiliate, "2025-10-01", LEASE).kind, VerdictKind::Allowed);
    // Chinese-designed chips are outside it.
    assert_eq!(ask_as(&c, "ascend-910c", "my-johor", "MY", &affiliate, "2025-10-01", OWN).rule_id, None);
    let rule = c.rule("sep2025-affiliates-rule").unwrap();
    assert!(rule.suspended_on("2025-11-10".parse().unwrap()) && !rule.suspended_on("2026-11-10".parse().unwrap()));
    assert!(rule.scope().contains("buyers with listed-affiliate"), "{}", rule.scope());
}

#[test]
fn malaysia_permit_is_an_advisory_on_us_chips_in_malaysia() {
    let c = catalog();
    let before = ask(&c, "h100-sxm", "my-johor", "US", "2025-07-13", OWN);
    assert!(!has_advisory(&before, "jul2025-my-stp-permit"));
    let after = ask(&c, "h100-sxm", "my-johor", "US", "2025-07-14", OWN);
    assert!(has_advisory(&after, "jul2025-my-stp-permit"), "{:?}", after.advisories);
    // Use in Malaysia stays allowed: the permit governs moving the chips on.
    assert_eq!((after.kind, after.rule_id.as_deref()), (VerdictKind::Allowed, None));
    assert!(!has_advisory(&ask(&c, "ascend-910c", "my-johor", "US", "2025-08-01", OWN), "jul2025-my-stp-permit"));
    assert!(!has_advisory(&ask(&c, "h100-sxm", "sg", "US", "2025-08-01", OWN), "jul2025-my-stp-permit"));
}

#[test]
fn gulf_sites_before_and_after_the_november_2025_licences() {
    let c = catalog();
    for own in [OWN, LEASE] {
        let before = ask(&c, "h100-sxm", "ae", "CN", "2025-11-18", own);
        assert_eq!(before.kind, VerdictKind::LicenceRequired, "{own:?}: {before:?}");
        let after = ask(&c, "h100-sxm", "ae", "CN", "2025-11-19", own);
        assert_eq!(after.kind, VerdictKind::Prohibited, "{own:?}: {after:?}");
        assert_eq!(after.rule_id.as_deref(), Some("nov2025-gulf-licences"));
        assert_eq!(ask(&c, "gb300", "sa", "CN", "2026-06-01", own).rule_id.as_deref(), Some("nov2025-gulf-licences"));
    }
    // A buyer headquartered elsewhere still needs the export licence the operators now hold.
    let us = ask(&c, "h100-sxm", "ae", "US", "2026-06-01", OWN);
    assert_eq!((us.kind, us.rule_id.as_deref()), (VerdictKind::LicenceRequired, Some("oct2023-d1d4")));
}

#[test]
fn blackwell_for_china_is_ruled_out_from_november_2025_even_below_the_zone() {
    let c = catalog();
    assert_eq!(ask(&c, "b200", "cn", "CN", "2025-11-01", OWN).rule_id.as_deref(), Some("oct2023"));
    let v = ask(&c, "gb300", "cn", "US", "2025-11-02", OWN);
    assert_eq!((v.kind, v.rule_id.as_deref()), (VerdictKind::Prohibited, Some("nov2025-no-blackwell-china")));
    // A cut-down Blackwell (B30A-like) inside the case-by-case zone is still denied; a Hopper
    // with the same figures gets the case-by-case review.
    let mut cut = chip(&c, "b200");
    cut.id = "b30a-probe".into();
    cut.fp4_dense_tflops = None;
    cut.bf16_dense_tflops = 900.0;
    cut.fp8_dense_tflops = Some(1800.0);
    cut.int8_dense_tops = Some(1800.0);
    cut.mem_bw_tbps = 4.0;
    let mut hopper = cut.clone();
    hopper.perf_family = "nvidia-hopper".into();
    for (probe, expected) in [(&cut, "nov2025-no-blackwell-china"), (&hopper, "jan2026-case-by-case")] {
        let query = PolicyQuery {
            chip: probe,
            site: c.region("cn").unwrap(),
            buyer_hq: "CN",
            buyer_attributes: &[],
            date: "2026-03-01".parse().unwrap(),
            ownership: OWN,
        };
        let v = judge(&c, &query, &PolicyOptions::default());
        assert_eq!(v.rule_id.as_deref(), Some(expected), "{}: {v:?}", probe.perf_family);
    }
}

#[test]
fn public_hubs_and_remote_access_bill_are_advisories_from_their_dates() {
    let c = catalog();
    let hub = ["public-computing-hub"];
    assert!(!has_advisory(&ask_as(&c, "h20", "cn", "CN", &hub, "2025-07-31", OWN), "cn-public-hubs-domestic"));
    let v = ask_as(&c, "h20", "cn", "CN", &hub, "2025-08-01", OWN);
    assert!(has_advisory(&v, "cn-public-hubs-domestic"), "{:?}", v.advisories);
    assert!(!has_advisory(&ask(&c, "h20", "cn", "CN", "2025-08-01", OWN), "cn-public-hubs-domestic"));
    assert!(!has_advisory(&ask(&c, "h100-sxm", "my-johor", "CN", "2026-01-11", LEASE), "jan2026-rasa-house"));
    let lease = ask(&c, "h100-sxm", "my-johor", "CN", "2026-01-12", LEASE);
    assert!(has_advisory(&lease, "jan2026-rasa-house"), "{:?}", lease.advisories);
    assert_eq!(lease.kind, VerdictKind::Allowed, "a bill changes no answer");
}

#[test]
fn several_fees_compound() {
    assert!(close(compound_fee_fraction([15.0, 25.0]), 0.4375));
    assert_eq!(compound_fee_fraction([]), 0.0);
    // A second fee rule on the H200 band (a catalog override) compounds with the duty.
    let mut c = catalog();
    let mut extra = c.rule("jan2026-tariff-h200").unwrap().clone();
    extra.id = "probe-fee".into();
    extra.fee_pct = Some(10.0);
    c.rules.push(extra);
    let v = ask_as(&c, "h200", "cn", "CN", &["cn-h200-approved"], "2026-06-01", OWN);
    assert!(close(v.fee_fraction, 1.25 * 1.1 - 1.0), "{}", v.fee_fraction);
    assert_eq!(v.fee_rules, vec!["jan2026-tariff-h200", "probe-fee"]);
}

#[test]
fn buyer_attributes_are_the_vocabulary_of_the_rules() {
    let c = catalog();
    assert_eq!(buyer_attributes(&c), vec!["cn-h200-approved", "listed-affiliate", "public-computing-hub"]);
    assert!(check_buyer_attribute(&c, "listed-affiliate").is_ok());
    let err = check_buyer_attribute(&c, "listed-afiliate").unwrap_err();
    assert_eq!(err.suggestion.as_deref(), Some("listed-affiliate"));
}

#[test]
fn bad_suspensions_attributes_and_families_are_reported() {
    let mut c = catalog();
    let text = r#"
[[rule]]
id = "broken-2026"
name = "broken"
issuer = "US"
summary = "x"
effective = 2025-01-01
suspensions = [{ from = 2024-06-01, resumes = 2025-06-01 }, { from = 2025-09-01, resumes = 2025-08-01 }]
action = "advisory"
chip_families = ["nvidia-blackwel"]
buyer_attributes = ["Listed_Affiliate"]
source = "test"
confidence = "estimate"
"#;
    let err = c.apply_override("bad.toml", text).unwrap_err();
    let joined: Vec<_> = err.iter().map(|d| d.message.as_str()).collect();
    let joined = joined.join("\n");
    for needle in [
        "suspension 2024-06-01..2025-06-01 must start after 2025-01-01",
        "suspension 2025-09-01..2025-08-01",
        "`chip_families`",
        "nvidia-blackwell",
        "`buyer_attributes` entry `Listed_Affiliate`",
    ] {
        assert!(joined.contains(needle), "missing {needle:?} in:\n{joined}");
    }
}

#[test]
fn scenario_buyer_attributes_are_checked_and_located() {
    let c = catalog();
    let scenario = |attributes: &str| {
        format!(
            "[scenario]\nname = \"a\"\ncurrency = \"USD\"\nstart = \"2026Q1\"\nquarters = 4\n\
             [buyer]\nname = \"b\"\nheadquarters = \"CN\"\nattributes = {attributes}\n[budget]\ntotal = 1e9\n\
             [[site]]\nid = \"cn-1\"\nregion = \"cn\"\navailable_mw = 1\n"
        )
    };
    let ok = fleetplan_core::scenario::validate("s.toml", &scenario("[\"cn-h200-approved\"]"), &c)
        .unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(ok.buyer.attributes, vec!["cn-h200-approved"]);
    let text = scenario("[\"listed-affiliate\", \"listed-afiliate\", \"listed-affiliate\"]");
    let diags = fleetplan_core::scenario::validate("s.toml", &text, &c).unwrap_err();
    let unknown = diags.iter().find(|d| d.path.as_deref() == Some("buyer.attributes[1]")).expect("located");
    assert!(unknown.message.contains("unknown buyer attribute `listed-afiliate`"), "{}", unknown.message);
    assert!(unknown.help.as_deref().unwrap().contains("did you mean `listed-affiliate`?"));
    assert_eq!(unknown.line_col(&text).unwrap().0, 9, "the attributes line");
    assert!(diags.iter().any(|d| d.path.as_deref() == Some("buyer.attributes[2]") && d.message.contains("twice")));
}

/// Licences granted under named rules only: H200 in China in mid-2026 for a China-approved buyer
/// needs US licences (jan2026-case-by-case, oct2023-hq); granting those allows it with the 25 %
/// duty, while the same buyer's B200 (above the case-by-case TPP limit: prohibited) and H20
/// purchases (China's own ban) stay barred, and granting only one of the two is not enough.
#[test]
fn a_licence_granted_under_one_rule_leaves_the_others_in_force() {
    let c = catalog();
    // The US routes: the case-by-case export licence and the worldwide D:5-headquarters licence.
    let granted = PolicyOptions {
        granted_rules: vec!["jan2026-case-by-case".into(), "oct2023-hq".into()],
        ..PolicyOptions::default()
    };
    let approved = vec!["cn-h200-approved".to_string()];
    let judge_with = |chip: &str, options: &PolicyOptions| {
        let query = PolicyQuery {
            chip: c.accelerator(chip).unwrap(),
            site: c.region("cn").unwrap(),
            buyer_hq: "CN",
            buyer_attributes: &approved,
            date: "2026-06-01".parse().unwrap(),
            ownership: OWN,
        };
        judge(&c, &query, options)
    };
    let before = judge_with("h200", &PolicyOptions::default());
    assert_eq!(before.kind, VerdictKind::LicenceRequired, "{before:?}");
    let after = judge_with("h200", &granted);
    assert_eq!(after.kind, VerdictKind::Allowed, "{after:?}");
    assert!(after.reason.contains("granted_rules"), "{}", after.reason);
    let one = PolicyOptions { granted_rules: vec!["jan2026-case-by-case".into()], ..PolicyOptions::default() };
    assert_eq!(judge_with("h200", &one).kind, VerdictKind::LicenceRequired);
    assert!(close(after.fee_fraction, 0.25), "{}", after.fee_fraction);
    assert_eq!(judge_with("b200", &granted).kind, VerdictKind::Prohibited);
    assert_eq!(judge_with("h20", &granted).kind, VerdictKind::Prohibited);
    // An unknown id is reported with a suggestion.
    let typo = PolicyOptions { granted_rules: vec!["jan2026-case-by-cas".into()], ..PolicyOptions::default() };
    assert_eq!(typo.unknown_rules(&c).len(), 1);
}
