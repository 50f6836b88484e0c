//! `fleetplan catalog ...` end to end: run the binary, snapshot its output.

use std::io::Write;
use std::process::{Command, Output};

fn fleetplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleetplan")).args(args).output().expect("binary runs")
}

fn stdout_ok(args: &[&str]) -> String {
    let out = fleetplan(args);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn json_of(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&stdout_ok(args)).expect("valid JSON")
}

#[test]
fn chips_json_one_chip() {
    let all = json_of(&["catalog", "chips", "--json"]);
    insta::assert_json_snapshot!("h20_json", all["h20"]);
}

#[test]
fn chips_json_is_keyed_by_id_with_computed_fields() {
    let all = json_of(&["catalog", "chips", "--json"]);
    let map = all.as_object().unwrap();
    assert!(map.len() >= 22);
    for (id, chip) in map {
        assert_eq!(chip["id"], serde_json::json!(id));
        assert!(chip["tpp"].as_f64().is_some_and(|t| t > 0.0), "{id}");
        assert!(chip.get("performance_density").is_some() && chip.get("classification_3a090").is_some(), "{id}");
    }
    assert_eq!(all["h100-sxm"]["tpp"], serde_json::json!(15832.0));
    assert_eq!(all["h100-sxm"]["classification_3a090"], serde_json::json!("3A090.a.1"));
    assert!(all["tpu-v6e"]["performance_density"].is_null());
}

#[test]
fn regions_table() {
    insta::assert_snapshot!("regions_table", stdout_ok(&["catalog", "regions"]));
}

#[test]
fn chips_table_has_units_in_headers_and_catalog_order() {
    let text = stdout_ok(&["catalog", "chips"]);
    let header = text.lines().next().unwrap();
    for h in ["BF16 TFLOPS", "Mem GB", "Mem TB/s", "TDP W", "TPP", "PD TPP/mm²", "Price USD"] {
        assert!(header.contains(h), "missing header {h}: {header}");
    }
    let a100 = text.find("| a100-sxm-80g").unwrap();
    let tpu = text.find("| tpu-v6e").unwrap();
    assert!(a100 < tpu, "rows must follow catalog order");
    assert!(text.contains("15,832"));
    assert!(!text.contains("NaN") && !text.contains("inf"));
}

#[test]
fn systems_and_regions_json_are_keyed_by_id() {
    let systems = json_of(&["catalog", "systems", "--json"]);
    assert_eq!(systems["gb200-nvl72"]["accelerators_per_system"], serde_json::json!(72));
    let regions = json_of(&["catalog", "regions", "--json"]);
    assert_eq!(regions["cn"]["us_country_groups"], serde_json::json!(["D:1", "D:4", "D:5"]));
}

#[test]
fn models_json_carries_parameter_counts() {
    let models = json_of(&["catalog", "models", "--json"]);
    let map = models.as_object().unwrap();
    let llms: Vec<_> = map.values().filter(|m| m["model_kind"] == "llm").collect();
    assert!(!llms.is_empty());
    for m in llms {
        let total = m["parameter_count"].as_f64().unwrap();
        let active = m["active_parameter_count"].as_f64().unwrap();
        assert!(total > 0.0 && active > 0.0 && active <= total, "{m}");
    }
}

#[test]
fn rules_table_prints() {
    let out = fleetplan(&["catalog", "rules"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn override_file_changes_the_table_and_bad_one_exits_2() {
    let dir = std::env::temp_dir().join(format!("fleetplan-catalog-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.toml");
    let region = |pue: &str| {
        format!(
            "[[region]]\nid = \"xx-test\"\nname = \"Testland\"\ncountry = \"AQ\"\nbuild_musd_per_mw = 9.0\npue = {pue}\n\
             power_usd_per_kwh = 0.1\ngrid_gco2_per_kwh = 300.0\nlead_time_months = 12.0\nus_country_groups = []\n\
             us_tier_2025 = 2\nchina_mainland = false\nsource = \"test\"\nconfidence = \"estimate\"\n"
        )
    };
    std::fs::File::create(&good).unwrap().write_all(region("1.2").as_bytes()).unwrap();
    let text = stdout_ok(&["--catalog", good.to_str().unwrap(), "catalog", "regions"]);
    assert!(text.contains("| xx-test"), "{text}");

    let bad = dir.join("bad.toml");
    std::fs::File::create(&bad).unwrap().write_all(region("0.4").as_bytes()).unwrap();
    let out = fleetplan(&["--catalog", bad.to_str().unwrap(), "catalog", "regions"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pue"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn overriding_a_builtin_entry_is_reported_and_used() {
    let dir = std::env::temp_dir().join(format!("fleetplan-catalog-override-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Take the built-in `cn` region, change its PUE, and load it back as an override.
    let all = json_of(&["catalog", "regions", "--json"]);
    let mut cn = all["cn"].clone();
    let obj = cn.as_object_mut().unwrap();
    obj.retain(|k, _| k != "id");
    obj.insert("pue".into(), serde_json::json!(1.11));
    let mut text = String::from("[[region]]\nid = \"cn\"\n");
    for (k, v) in obj.iter() {
        text.push_str(&format!("{k} = {v}\n"));
    }
    let path = dir.join("cn.toml");
    std::fs::File::create(&path).unwrap().write_all(text.as_bytes()).unwrap();
    let out = fleetplan(&["--catalog", path.to_str().unwrap(), "catalog", "regions", "--json"]);
    assert!(out.status.success(), "{}\n{text}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("region `cn` overridden by"), "override not reported: {stderr}");
    let after: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(after["cn"]["pue"], serde_json::json!(1.11));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn engines_table() {
    insta::assert_snapshot!("engines_table", stdout_ok(&["catalog", "engines"]));
}

#[test]
fn engines_json_has_the_latest_serving_traits() {
    let engines = json_of(&["catalog", "engines", "--json"]);
    assert_eq!(engines["vllm"]["serving"]["max_running_requests_default"], serde_json::json!(256));
    assert_eq!(engines["vllm"]["latest"]["max_running_requests_large_memory"], serde_json::json!(1024));
    assert_eq!(engines["trtllm"]["latest"]["kv_reservation"], serde_json::json!("expected"));
    assert_eq!(engines["jetstream"]["latest"]["kv_reservation"], serde_json::json!("maximum"));
    assert_eq!(engines["megatron"]["role"], serde_json::json!("training"));
    assert!(engines["megatron"].get("serving").is_none() && engines["megatron"].get("latest").is_none());
}

#[test]
fn chips_available_by_a_quarter_lists_only_those_with_their_quarter_and_firmness() {
    let text = stdout_ok(&["catalog", "chips", "--available", "2026Q3"]);
    let header = text.lines().next().unwrap();
    assert!(header.contains("Available") && header.contains("Firmness"), "{header}");
    let row = |id: &str| text.lines().find(|l| l.starts_with(&format!("| {id} "))).map(str::to_string);
    let rubin = row("rubin-vr200").expect("rubin-vr200 is available in 2026Q3");
    assert!(rubin.contains("2026Q3") && rubin.contains("announced"), "{rubin}");
    assert!(row("h100-sxm").unwrap().contains("shipping"));
    for later in ["mi455x", "ascend-950dt", "rubin-ultra-vr300", "ascend-960"] {
        assert!(row(later).is_none(), "{later} is not available by 2026Q3:\n{text}");
    }
    // The full table has them all.
    let all = stdout_ok(&["catalog", "chips"]);
    assert!(all.contains("| mi455x ") && all.contains("| ascend-970 "));
    assert!(text.lines().count() < all.lines().count());
}

#[test]
fn chips_available_json_filters_and_carries_the_quarter() {
    let by_2025 = json_of(&["catalog", "chips", "--available", "2025Q4", "--json"]);
    let map = by_2025.as_object().unwrap();
    assert!(map.contains_key("b300") && map.contains_key("tpu-v7") && !map.contains_key("rubin-vr200"));
    for (id, chip) in map {
        let q = chip["available"].as_str().unwrap();
        assert!(q <= "2025Q4", "{id} available {q}");
        assert!(["shipping", "announced", "roadmap"].contains(&chip["availability"].as_str().unwrap()), "{id}");
    }
    let all = json_of(&["catalog", "chips", "--json"]);
    assert!(all.as_object().unwrap().len() > map.len());
    assert_eq!(all["rubin-ultra-vr300"]["availability"], serde_json::json!("roadmap"));
}

#[test]
fn a_bad_available_quarter_is_exit_2_with_the_expected_form() {
    for bad in ["2026Q5", "2026-07", "Q3"] {
        let out = fleetplan(&["catalog", "chips", "--available", bad]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("YYYYQn") && stderr.contains(bad), "{bad}: {stderr}");
        assert!(out.stdout.is_empty());
    }
    let out = fleetplan(&["catalog", "systems", "--available", "2026Q3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("catalog chips"));
}

#[test]
fn prices_table_lists_the_dated_series_in_order() {
    let text = stdout_ok(&["catalog", "prices"]);
    // The H100 US one-year series, oldest first, then the purchase points.
    let rows: Vec<&str> = text.lines().filter(|l| l.contains("| h100-sxm ") && l.contains("| term-1y ")).collect();
    let quarters: Vec<&str> = rows.iter().filter_map(|r| r.split('|').nth(4).map(str::trim)).collect();
    assert!(quarters.len() >= 4 && quarters.windows(2).all(|w| w[0] < w[1]), "{quarters:?}");
    assert!(text.contains("| china-street ") && text.contains("system gb200-nvl72"));
    assert!(!text.contains("NaN") && !text.contains("inf"));
}

#[test]
fn prices_json_is_keyed_by_id_with_the_price_each_point_stands_for() {
    let all = json_of(&["catalog", "prices", "--json"]);
    let leases = all["lease"].as_object().unwrap();
    assert!(!leases.is_empty() && all["purchase_price"].as_object().is_some_and(|p| !p.is_empty()));
    for (id, point) in leases {
        assert_eq!(point["id"], serde_json::json!(id));
        assert!(point["price"].as_f64().is_some_and(|p| p > 0.0), "{id}");
        assert!(point["from"].as_str().is_some_and(|q| q.len() == 6) && point["basis"].is_string(), "{id}");
        if let (Some(l), Some(h)) =
            (point["usd_per_accel_hour_low"].as_f64(), point["usd_per_accel_hour_high"].as_f64())
            && point["usd_per_accel_hour"].is_null()
        {
            assert_eq!(point["price"].as_f64().unwrap(), (l + h) / 2.0, "{id}: a band stands for its middle");
        }
    }
}
