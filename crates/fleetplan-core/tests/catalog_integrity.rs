//! Integrity of the built-in catalog data (chips, systems, regions, costs): every entry sourced,
//! positive units, unique ids, the ids the rest of fleetplan relies on, export-control metrics
//! that match the published values, and overrides that break these rules being rejected.

use fleetplan_core::catalog::{Accelerator, AssetClass, Availability, Catalog, Confidence, factor_ids};
use fleetplan_core::policy::{performance_density, tpp};
use fleetplan_core::scenario::Quarter;

fn builtin() -> Catalog {
    Catalog::builtin().expect("built-in catalog parses")
}

const REQUIRED_CHIPS: [&str; 22] = [
    "a100-sxm-80g",
    "a800",
    "h100-sxm",
    "h800",
    "h20",
    "h200",
    "b200",
    "gb200",
    "gb300",
    "l20",
    "l40s",
    "mi300x",
    "mi325x",
    "ascend-910b",
    "ascend-910c",
    "mlu370-x8",
    "mlu590",
    "tpu-v4",
    "tpu-v5e",
    "tpu-v5p",
    "tpu-v6e",
    "gaudi3",
];

const REQUIRED_REGIONS: [&str; 10] = ["cn", "my-johor", "sg", "th", "id", "ae", "sa", "fi", "us", "br"];

#[test]
fn builtin_catalog_has_no_integrity_problems() {
    let problems = builtin().integrity_problems();
    assert!(problems.is_empty(), "integrity problems:\n{}", problems.join("\n"));
}

#[test]
fn required_ids_are_present() {
    let c = builtin();
    for id in REQUIRED_CHIPS {
        assert!(c.accelerator(id).is_ok(), "missing chip `{id}`");
    }
    for id in REQUIRED_REGIONS {
        assert!(c.region(id).is_ok(), "missing region `{id}`");
    }
    for id in [
        "hgx-a100-8",
        "hgx-a800-8",
        "hgx-h100-8",
        "hgx-h800-8",
        "hgx-h20-8",
        "hgx-h200-8",
        "hgx-b200-8",
        "mi300x-8",
        "mi325x-8",
        "gaudi3-8",
        "gb200-nvl72",
        "gb300-nvl72",
        "atlas-800t-a2",
        "cloudmatrix-384",
        "tpu-v5e-256",
        "tpu-v5p-8960",
        "tpu-v6e-256",
        "tpu-v4-4096",
        "l20-pcie-8",
        "l40s-pcie-8",
        "mlu370-x8-server",
        "mlu590-8",
    ] {
        assert!(c.system(id).is_ok(), "missing system `{id}`");
    }
    for id in ["ib-ndr-400", "ethernet-400g", "ib-xdr-800"] {
        assert!(c.costs.fabric(id).is_ok(), "missing fabric `{id}`");
    }
}

#[test]
fn every_entry_is_sourced_and_estimates_explain_themselves() {
    let c = builtin();
    let provenances = c
        .accelerators
        .iter()
        .map(|e| (e.id.as_str(), &e.provenance))
        .chain(c.systems.iter().map(|e| (e.id.as_str(), &e.provenance)))
        .chain(c.regions.iter().map(|e| (e.id.as_str(), &e.provenance)))
        .chain(c.costs.fabrics.iter().map(|e| (e.id.as_str(), &e.provenance)))
        .chain(c.costs.factors.iter().map(|e| (e.id.as_str(), &e.provenance)))
        .chain(c.costs.depreciation.iter().map(|e| (e.id.as_str(), &e.provenance)))
        .chain(c.costs.leases.iter().map(|e| (e.id.as_str(), &e.provenance)))
        .chain(c.costs.purchases.iter().map(|e| (e.id.as_str(), &e.provenance)))
        .chain(c.costs.fx.iter().map(|e| (e.id.as_str(), &e.provenance)))
        .chain(c.costs.capex_references.iter().map(|e| (e.id.as_str(), &e.provenance)))
        .chain(c.costs.context_facts.iter().map(|e| (e.id.as_str(), &e.provenance)));
    let mut n = 0;
    for (id, p) in provenances {
        n += 1;
        assert!(p.source.trim().len() >= 8, "`{id}` has no real source: {:?}", p.source);
        // Everything built by us from other values must say how (in source or notes).
        if p.confidence == Confidence::Estimate {
            let says_how = p.notes.as_deref().is_some_and(|n| !n.trim().is_empty()) || p.source.contains("estimate");
            assert!(says_how, "estimate `{id}` explains neither its source nor its derivation");
        }
    }
    assert!(n > 100, "expected the full catalog, saw {n} entries");
}

#[test]
fn chips_have_positive_finite_quantities() {
    for a in builtin().accelerators {
        let fields = [
            Some(a.bf16_dense_tflops),
            a.fp16_dense_tflops,
            a.fp8_dense_tflops,
            a.int8_dense_tops,
            a.fp4_dense_tflops,
            Some(a.mem_gb),
            Some(a.mem_bw_tbps),
            Some(a.scaleup_bw_gbps),
            Some(a.scaleout_nic_gbps),
            Some(a.tdp_w),
            a.die_area_mm2,
        ];
        for v in fields.into_iter().flatten() {
            assert!(v.is_finite() && v > 0.0, "`{}` has a non-positive quantity {v}", a.id);
        }
        assert!(a.scaleup_domain >= 1, "`{}`", a.id);
        assert!(
            (2018..=2030).contains(&a.available.year),
            "`{}` available {} outside 2018Q1..2030Q4",
            a.id,
            a.available
        );
    }
}

#[test]
fn export_control_metrics_match_published_values() {
    let c = builtin();
    let tpp_of = |id: &str| tpp(c.accelerator(id).unwrap());
    let pd_of = |id: &str| performance_density(c.accelerator(id).unwrap()).unwrap();
    // ECCN 3A090 TPP as quoted by BIS-watchers and Chinese-market press (data pack §1.2).
    assert_eq!(tpp_of("h100-sxm"), 15_832.0);
    assert_eq!(tpp_of("h200"), 15_832.0);
    assert_eq!(tpp_of("h20"), 2_368.0);
    assert_eq!(tpp_of("a800"), 4_992.0);
    assert_eq!(tpp_of("a100-sxm-80g"), 4_992.0);
    assert_eq!(tpp_of("l20"), 1_912.0);
    assert_eq!(tpp_of("tpu-v5e"), 3_152.0);
    assert!((tpp_of("mi325x") - 20_919.0).abs() < 1.0);
    assert!((tpp_of("mlu590") - 4_493.0).abs() < 1.0);
    // Performance density: H100 ≈ 19.4, H20 ≈ 2.9, L20 ≈ 3.14 (TPP / die mm²).
    assert!((pd_of("h100-sxm") - 19.45).abs() < 0.01, "{}", pd_of("h100-sxm"));
    assert!((pd_of("h20") - 2.91).abs() < 0.01, "{}", pd_of("h20"));
    assert!((pd_of("l20") - 3.1396).abs() < 0.005, "{}", pd_of("l20")); // ≈ 3.14
    // The two China-compliant parts sit just under the 3A090 thresholds (TPP 2,400; PD 3.2).
    assert!(tpp_of("h20") < 2_400.0 && pd_of("h20") < 3.2);
    assert!(pd_of("l20") < 3.2 && tpp_of("l20") < 2_400.0);
    // No die area published: PD must be unknown rather than invented.
    assert!(performance_density(c.accelerator("tpu-v5e").unwrap()).is_none());
}

/// The chips data-pack-addendum-2.toml adds (catalog ids) with the TPP the addendum states, and
/// the TPP `policy::tpp` must give. They differ only where the addendum counts MXFP6 at the FP4
/// rate (x 6), a format the catalog has no field for; `policy::tpp` counts BF16/FP16 x 16,
/// FP8/INT8 x 8 and FP4 x 4.
const ADDENDUM_2_CHIPS: [(&str, f64, f64); 13] = [
    ("b300", 52_500.0, 52_500.0),
    ("rubin-vr200", 140_000.0, 140_000.0),
    ("rubin-ultra-vr300", 280_000.0, 280_000.0),
    ("h200-nvl", 13_360.0, 13_360.0),
    ("mi350x", 55_368.0, 36_912.0),
    ("mi455x", 160_000.0, 160_000.0),
    ("tpu-v7", 36_912.0, 36_912.0),
    ("trainium2", 10_672.0, 10_672.0),
    ("trainium3", 20_136.0, 20_136.0),
    ("ascend-950dt", 8_000.0, 8_000.0),
    ("ascend-960", 16_000.0, 16_000.0),
    ("ascend-970", 32_000.0, 32_000.0),
    ("mtt-s5000", 8_000.0, 8_000.0),
];

#[test]
fn addendum_2_chips_are_complete_with_their_tpp() {
    let c = builtin();
    for (id, addendum_tpp, expected) in ADDENDUM_2_CHIPS {
        let chip = c.accelerator(id).unwrap_or_else(|e| panic!("{e}"));
        let notes = chip.provenance.notes.as_deref().unwrap_or("");
        assert!(
            chip.provenance.source.contains("addendum 2"),
            "`{id}` must cite addendum 2: {}",
            chip.provenance.source
        );
        assert!(notes.contains("Available "), "`{id}` notes must say where its availability quarter comes from");
        let computed = tpp(chip);
        assert!(computed.is_finite() && (computed - expected).abs() < 1.0, "`{id}` TPP {computed} vs {expected}");
        if (addendum_tpp - expected).abs() >= 1.0 {
            assert!(notes.contains("MXFP6"), "`{id}`: TPP differs from the addendum's without saying why");
        }
        if let Some(pd) = performance_density(chip) {
            assert!(pd.is_finite() && pd > 0.0, "`{id}` PD {pd}");
        }
        // TPP far above 4,800: die area (PD) cannot change the 3A090 class of any of them.
        assert!(computed > 4_800.0, "`{id}`");
    }
    // MI355X was already in; the addendum's 60,396 counts MXFP6 (10,066 x 6).
    let mi355x = c.accelerator("mi355x").unwrap();
    assert!((tpp(mi355x) - 40_265.6).abs() < 1.0, "{}", tpp(mi355x));
    assert!(mi355x.provenance.notes.as_deref().unwrap().contains("60,396"));
    // Corrections: GB300's INT8 is cut; H200 NVL and B300 PD match the addendum (16.4, 32.8).
    assert_eq!(c.accelerator("gb300").unwrap().int8_dense_tops, Some(330.0));
    assert_eq!(c.accelerator("b300").unwrap().int8_dense_tops, Some(330.0));
    assert!((performance_density(c.accelerator("h200-nvl").unwrap()).unwrap() - 16.4).abs() < 0.05);
    assert!((performance_density(c.accelerator("b300").unwrap()).unwrap() - 32.8).abs() < 0.05);
    // Rows the addendum has but the catalog must not plan on (chips.toml header says why).
    for id in ["rubin-cpx", "tpu-8t", "tpu-8i", "kunlun-m100", "kunlun-m300", "hygon-bw1000", "intel-jaguar-shores"] {
        assert!(c.accelerator(id).is_err(), "`{id}` must not be a catalog chip");
    }
}

#[test]
fn availability_quarters_are_plausible_and_firmness_fits_the_date() {
    let c = builtin();
    let first = Quarter::new(2018, 1).unwrap();
    // Sources run to November 2026: anything later cannot be shipping yet.
    let today = Quarter::new(2026, 4).unwrap();
    for a in &c.accelerators {
        assert!(a.available >= first, "`{}` available {}", a.id, a.available);
        if a.available > today {
            assert!(a.availability != Availability::Shipping, "`{}` ({}) cannot be shipping", a.id, a.available);
        }
        assert!(a.available_in(a.available) && !a.available_in(a.available.offset(-1)), "`{}`", a.id);
    }
    let q = |id: &str| c.accelerator(id).unwrap().available.to_string();
    assert_eq!(q("rubin-vr200"), "2026Q3");
    assert_eq!(q("rubin-ultra-vr300"), "2027Q3");
    assert_eq!(q("ascend-950dt"), "2026Q4");
    assert_eq!(q("ascend-960"), "2027Q4");
    assert_eq!(c.accelerator("ascend-970").unwrap().availability, Availability::Roadmap);
    // Roadmap entries are wider than announced ones, which are wider than shipping ones.
    let bands: Vec<_> = Availability::ALL.iter().map(|a| a.uncertainty()).collect();
    for pair in bands.windows(2) {
        assert!(pair[0].performance_fraction < pair[1].performance_fraction);
        assert!(pair[0].price_fraction < pair[1].price_fraction);
    }
    assert_eq!(Availability::Roadmap.uncertainty().performance_fraction, 0.30);
}

#[test]
fn addendum_2_systems_match_their_published_rows() {
    let c = builtin();
    let total = |id: &str| {
        let s = c.system(id).unwrap_or_else(|e| panic!("{e}"));
        let chip = c.accelerator(&s.accelerator).unwrap();
        let n = f64::from(s.accelerators_per_system);
        (n, chip.price_usd_mid().map(|p| n * p + s.host_cost_usd), n * chip.tdp_w + s.host_power_w)
    };
    let (n, usd, w) = total("vr200-nvl72");
    let usd = usd.unwrap();
    assert!(n == 72.0 && (3.5e6..=7.8e6).contains(&usd) && (120e3..=220e3).contains(&w), "VR200 NVL72 {usd} {w}");
    let (n, _, w) = total("kyber-vr300-nvl144");
    assert!(n == 144.0 && (w - 600e3).abs() < 1.0, "Kyber {w}");
    assert_eq!(total("helios-mi455x-72").0, 72.0);
    assert_eq!(total("atlas-950-superpod").0, 8192.0);
    assert_eq!(total("atlas-960-superpod").0, 15488.0);
    assert_eq!(total("tpu-v7-9216").0, 9216.0);
    assert_eq!(total("trn3-ultraserver-144").0, 144.0);
    for id in ["hgx-b300-8", "h200-nvl-pcie-8"] {
        assert_eq!(total(id).0, 8.0, "{id}");
    }
}

#[test]
fn tpus_are_cloud_only_and_leasable() {
    let c = builtin();
    // A chip whose source has no price says so in its notes (addendum 2: TPU v7, Trainium,
    // MTT S5000 have none); every other one must carry it.
    let says_no_price = |a: &Accelerator| {
        a.provenance.notes.as_deref().is_some_and(|n| n.contains("No lease price") || n.contains("No price"))
    };
    for a in c.accelerators.iter().filter(|a| a.vendor == "Google" || a.vendor == "AWS") {
        assert!(!a.sold, "`{}` must be sold = false", a.id);
        assert!(a.price_usd_low.is_none() && a.price_usd_high.is_none(), "`{}` must have no price", a.id);
        let leased = c.costs.leases.iter().any(|l| l.accelerator == a.id);
        assert!(leased || says_no_price(a), "`{}` needs a lease price or a note saying there is none", a.id);
    }
    for a in c.accelerators.iter().filter(|a| a.sold && a.available.year <= 2025) {
        if a.price_usd_mid().is_none() {
            assert!(says_no_price(a), "sold chip `{}` has no price and no note saying so", a.id);
            continue;
        }
        assert!(a.price_year.is_some(), "priced chip `{}` has no price_year", a.id);
    }
    // The 2025 catalog's Google chips keep their lease prices.
    for id in ["tpu-v4", "tpu-v5e", "tpu-v5p", "tpu-v6e"] {
        assert!(c.costs.leases.iter().any(|l| l.accelerator == id), "`{id}` needs a lease price");
    }
}

#[test]
fn systems_reference_existing_chips_and_follow_the_documented_host_rule() {
    let c = builtin();
    let ratio = c.costs.server_overhead_ratio().unwrap();
    let power_ratio = c.costs.server_power_ratio().unwrap();
    for s in &c.systems {
        let chip = c.accelerator(&s.accelerator).unwrap_or_else(|e| panic!("system `{}`: {e}", s.id));
        assert!(s.scaleup_domain <= s.accelerators_per_system.max(chip.scaleup_domain), "`{}`", s.id);
        if s.accelerators_per_system != 8 {
            continue;
        }
        // systems.toml header: host cost = min((ratio − 1) × 8 × chip mid price, 50k);
        // host power = (ratio − 1) × 8 × TDP, with the Ampere ratio for Ampere parts.
        let mid = chip.price_usd_mid().unwrap();
        let expected_cost = ((ratio - 1.0) * 8.0 * mid).min(50_000.0);
        assert!(
            (s.host_cost_usd - expected_cost).abs() < 1.0,
            "`{}` host cost {} vs {expected_cost}",
            s.id,
            s.host_cost_usd
        );
        let pr = if chip.perf_family == "nvidia-ampere" {
            c.costs.factor("server-power-ratio-ampere").unwrap()
        } else {
            power_ratio
        };
        let expected_power = (pr - 1.0) * 8.0 * chip.tdp_w;
        assert!(
            (s.host_power_w - expected_power).abs() < 1.0,
            "`{}` host power {} vs {expected_power}",
            s.id,
            s.host_power_w
        );
    }
}

#[test]
fn racks_match_published_totals() {
    let c = builtin();
    let rack_total = |id: &str| {
        let s = c.system(id).unwrap();
        let chip = c.accelerator(&s.accelerator).unwrap();
        let n = f64::from(s.accelerators_per_system);
        (n * chip.price_usd_mid().unwrap() + s.host_cost_usd, n * chip.tdp_w + s.host_power_w)
    };
    let (usd, w) = rack_total("gb200-nvl72");
    assert!((2.0e6..=3.0e6).contains(&usd) && (w - 120_000.0).abs() < 1.0, "GB200 NVL72: {usd} USD, {w} W");
    let (usd, w) = rack_total("gb300-nvl72");
    assert!((3.0e6..=4.0e6).contains(&usd) && (120_000.0..=135_000.0).contains(&w), "GB300 NVL72: {usd} USD, {w} W");
    let (_, w) = rack_total("cloudmatrix-384");
    assert!((500_000.0..=560_000.0).contains(&w), "CloudMatrix 384: {w} W");
}

#[test]
fn regions_carry_the_export_control_facts() {
    let c = builtin();
    let cn = c.region("cn").unwrap();
    assert!(cn.china_mainland && cn.us_tier_2025 == 3);
    assert!(["D:1", "D:4", "D:5"].iter().all(|g| cn.in_group(g)));
    assert!(cn.power_price_usd_per_kwh(true) < cn.power_price_usd_per_kwh(false));
    for id in ["ae", "sa"] {
        let r = c.region(id).unwrap();
        assert!(r.in_group("D:4") && !r.in_group("A:5") && !r.in_group("A:6") && !r.in_group("D:5"), "{id}");
    }
    assert_eq!(c.regions.iter().filter(|r| r.china_mainland).count(), 1);
    for id in ["us", "fi"] {
        assert_eq!(c.region(id).unwrap().us_tier_2025, 1, "{id}");
    }
    for r in &c.regions {
        assert_eq!(r.power_price_usd_per_kwh(false), r.power_usd_per_kwh);
    }
}

#[test]
fn cost_parameters_are_complete() {
    let c = builtin();
    for id in factor_ids::REQUIRED {
        assert!(c.costs.factor(id).is_ok(), "missing cost factor `{id}`");
    }
    assert_eq!(c.costs.server_overhead_ratio().unwrap(), 1.64);
    assert_eq!(c.costs.depreciation_years(AssetClass::Accelerators).unwrap(), 5.0);
    assert_eq!(c.costs.depreciation_years(AssetClass::Servers).unwrap(), 5.0);
    assert_eq!(c.costs.depreciation_years(AssetClass::Network).unwrap(), 6.0);
    assert_eq!(c.costs.depreciation_years(AssetClass::Buildings).unwrap(), 20.0);
    assert_eq!(c.costs.fx_per_usd("CNY", 2025), Some(7.2));
    assert_eq!(c.costs.fx_per_usd("CNY", 2019), None);
    let bd = c.costs.capex_references.iter().find(|r| r.id == "bytedance-2025-plan").unwrap();
    assert_eq!((bd.amount_bn, bd.currency.as_str()), (150.0, "CNY"));
    let ms = c.costs.capex_references.iter().find(|r| r.id == "microsoft-cy2024").unwrap();
    assert_eq!(ms.amount_bn, 55.7);
    assert!(c.costs.lease_quote("h100-sxm", "us", "2025Q1".parse().unwrap()).is_some());
    let err = c.costs.factor("server-overhead-ration").unwrap_err();
    assert_eq!(err.suggestion.as_deref(), Some("server-overhead-ratio"));
}

/// Apply `text` as a user catalog file and return the integrity messages it triggers.
fn override_errors(text: &str) -> Vec<String> {
    let mut c = builtin();
    match c.apply_override("bad.toml", text) {
        Ok(_) => Vec::new(),
        Err(diags) => diags.into_iter().map(|d| d.message).collect(),
    }
}

fn assert_caught(text: &str, needle: &str) {
    let errors = override_errors(text);
    assert!(errors.iter().any(|m| m.contains(needle)), "expected an error containing {needle:?}, got {errors:?}");
}

#[test]
fn integrity_catches_broken_overrides() {
    // A system whose chip does not exist, with a did-you-mean.
    assert_caught(
        r#"[[system]]
id = "my-box"
name = "x"
accelerator = "h100_sxm"
accelerators_per_system = 8
scaleup_domain = 8
host_cost_usd = 1.0
host_power_w = 1.0
footprint = "8U"
source = "test"
confidence = "estimate"
"#,
        "did you mean `h100-sxm`",
    );
    // A region with an impossible PUE and a made-up country group.
    assert_caught(
        r#"[[region]]
id = "mars"
name = "Mars"
country = "MR"
build_musd_per_mw = 10.0
pue = 0.5
power_usd_per_kwh = 0.1
grid_gco2_per_kwh = 1.0
lead_time_months = 12.0
us_country_groups = ["D5"]
us_tier_2025 = 2
china_mainland = false
source = "test"
confidence = "estimate"
"#,
        "`pue` must be between",
    );
    assert_caught(
        r#"[[region]]
id = "mars"
name = "Mars"
country = "MR"
build_musd_per_mw = 10.0
pue = 1.2
power_usd_per_kwh = 0.1
grid_gco2_per_kwh = 1.0
lead_time_months = 12.0
us_country_groups = ["D5"]
us_tier_2025 = 2
china_mainland = false
source = "test"
confidence = "estimate"
"#,
        "not a US country group",
    );
    // A lease for a region the catalog does not have.
    assert_caught(
        r#"[[lease]]
id = "h100-moon"
accelerator = "h100-sxm"
region = "moon"
usd_per_accel_hour = 2.0
from = "2025Q1"
basis = "on-demand"
source = "test"
confidence = "estimate"
"#,
        "unknown region id `moon`",
    );
    // A second entry for an asset class, and a negative switch price.
    assert_caught(
        r#"[[depreciation]]
id = "gpus"
asset = "accelerators"
years = 4.0
source = "test"
confidence = "estimate"
"#,
        "given more than once",
    );
    assert_caught(
        r#"[[fabric]]
id = "cheap"
name = "x"
port_gbps = 400.0
switch_radix = 64
switch_price_usd = -1.0
switch_power_w = 700.0
nic_price_usd = 1.0
optic_price_usd = 1.0
optic_power_w = 1.0
cable_price_usd = 1.0
source = "test"
confidence = "estimate"
"#,
        "`switch_price_usd` must be a positive number",
    );
    // Replacing a built-in factor with a nonsense value.
    assert_caught(
        r#"[[cost_factor]]
id = "server-overhead-ratio"
value = 0.5
unit = "ratio"
source = "test"
confidence = "estimate"
"#,
        "must be ≥ 1",
    );
    // An empty source.
    assert_caught(
        r#"[[fx]]
id = "cny-2025-plan"
currency = "CNY"
per_usd = 7.1
year = 2025
source = " "
confidence = "estimate"
"#,
        "empty `source`",
    );
}

#[test]
fn a_valid_override_is_accepted_and_reported() {
    let mut c = builtin();
    let notes = c
        .apply_override(
            "mine.toml",
            r#"[[fx]]
id = "cny-2025-plan"
currency = "CNY"
per_usd = 7.1
year = 2025
kind = "planning-average"
source = "my treasury desk"
confidence = "estimate"
"#,
        )
        .expect("valid override");
    assert_eq!(notes.len(), 1);
    assert_eq!(c.costs.fx_per_usd("CNY", 2025), Some(7.1));
}

#[test]
fn overrides_with_a_bad_availability_are_rejected() {
    let chips = include_str!("../catalog/chips.toml");
    let start = chips.find("[[accelerator]]\nid = \"b300\"").expect("b300 entry");
    let end = chips[start + 1..].find("[[accelerator]]").map_or(chips.len(), |e| start + 1 + e);
    let entry = &chips[start..end];
    assert!(override_errors(entry).is_empty(), "the entry itself is valid: {:?}", override_errors(entry));
    let cases = [
        ("availability = \"shipping\"", "availability = \"soon\"", "unknown variant `soon`"),
        ("available = \"2025Q4\"", "available = \"2025Q5\"", "invalid quarter `2025Q5`"),
        ("available = \"2025Q4\"", "available = \"2017Q4\"", "before 2018Q1"),
    ];
    for (from, to, needle) in cases {
        assert!(entry.contains(from), "{from}");
        assert_caught(&entry.replace(from, to), needle);
    }
}
