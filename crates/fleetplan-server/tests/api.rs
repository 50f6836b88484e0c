//! The JSON API end to end: an in-process server on a free loopback port and a real HTTP
//! client. Every endpoint this crate owns, success and error shapes; documents are compared
//! with the library's own (`fleetplan_io::api`, the evaluator), never with stored files.

mod common;

use common::*;
use fleetplan_core::output::to_json_pretty;
use fleetplan_io::SourceText;
use fleetplan_io::scenario::validate_source;
use serde_json::{Value, json};

/// The `fleetplan evaluate --format json` document of an example, from the library.
fn library_evaluation(name: &str) -> (fleetplan_engines::eval::Evaluation, Value) {
    let catalog = catalog();
    let loaded = validate_source(SourceText::new(name, repo_file(&format!("examples/{name}"))), &catalog).unwrap();
    let e = fleetplan_engines::eval::evaluate(&loaded.scenario, &catalog).unwrap();
    let doc = serde_json::from_str(&to_json_pretty(&e).unwrap()).unwrap();
    (e, doc)
}

#[tokio::test(flavor = "multi_thread")]
async fn health_answers_with_the_version_and_the_security_headers() {
    let s = start(config()).await;
    let r = client().get(format!("{}/api/health", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_safe_headers(r.headers());
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") }));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_and_its_assets_are_served_embedded() {
    let s = start(config()).await;
    let r = client().get(format!("{}/", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_safe_headers(r.headers());
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains("/assets/"), "the page loads its assets from /assets/: {html}");
    for (name, bytes) in fleetplan_server::assets::ASSETS {
        let r = client().get(format!("{}/assets/{name}", s.base)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{name}");
        assert_safe_headers(r.headers());
        assert_eq!(r.bytes().await.unwrap().as_ref(), *bytes, "{name}");
    }
    let missing = client().get(format!("{}/assets/no-such-file.js", s.base)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_safe_headers(missing.headers());
}

#[tokio::test(flavor = "multi_thread")]
async fn files_lists_the_examples_and_the_given_files() {
    let dir = std::env::temp_dir().join(format!("fleetplan-server-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let given = dir.join("mine.toml");
    std::fs::write(&given, "[scenario]\nname = \"Mine v1\"\n").unwrap();
    let mut c = config();
    c.files = vec![given.clone()];
    let s = start(c).await;
    let body: Value = client().get(format!("{}/api/files", s.base)).send().await.unwrap().json().await.unwrap();
    let files = body["files"].as_array().unwrap();
    let bytedance = files.iter().find(|f| f["name"] == "bytedance-2025.toml").expect("bytedance example listed");
    assert_eq!(bytedance["kind"], "example");
    assert_eq!(bytedance["title"], "ByteDance 2025-2027");
    let mine = files.iter().find(|f| f["name"] == "mine.toml").expect("given file listed");
    assert_eq!((mine["kind"].as_str(), mine["title"].as_str()), (Some("given"), Some("Mine v1")));

    let r = client().get(format!("{}/api/files/quickstart.toml", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["text"], repo_file("examples/quickstart.toml"));
    assert_eq!(body["kind"], "example");

    // A given file is read at request time: an edit shows.
    std::fs::write(&given, "[scenario]\nname = \"Mine v2\"\n").unwrap();
    let body: Value =
        client().get(format!("{}/api/files/mine.toml", s.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["title"], "Mine v2");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn no_path_outside_the_list_is_served() {
    let s = start(config()).await;
    let attempts = [
        "/api/files/..%2F..%2Fetc%2Fpasswd",
        "/api/files/..%2f..%2fetc%2fpasswd",
        "/api/files/%2Fetc%2Fpasswd",
        "/api/files/..%252F..%252Fetc%252Fpasswd",
        "/api/files/../../etc/passwd",
        "/api/files/..%5C..%5Cetc%5Cpasswd",
        "/api/files/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/api/files/quickstart.toml%00.txt",
        "/api/files/examples%2Fquickstart.toml",
        "/api/files//etc/passwd",
        "/assets/../../../etc/passwd",
        "/assets/%2E%2E/%2E%2E/etc/passwd",
        "/assets/..%2F..%2FCargo.toml",
        "/../../etc/passwd",
    ];
    for path in attempts {
        let r = raw_get(&s, path).await;
        assert_eq!(r.status, 404, "{path}: {r:?}");
        assert!(!r.body.contains("root:"), "{path}: {}", r.body);
        if path.starts_with("/api/") {
            assert_eq!(code(&r.json()), "not_found", "{path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn check_reports_located_diagnostics_and_ok() {
    let s = start(config()).await;
    let url = format!("{}/api/check", s.base);
    let r = client().post(&url).json(&example_body("bytedance-2025.toml")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!((body["ok"].as_bool(), body["problems"].as_u64()), (Some(true), Some(0)), "{body}");
    assert_eq!(body["file"], "bytedance-2025.toml");

    // An unknown chip on a known line: the diagnostic points at that line.
    let text = repo_file("examples/quickstart.toml");
    let (index, line) =
        text.lines().enumerate().find(|(_, l)| l.trim_start().starts_with("chip = ")).expect("a chip line");
    let broken = text.replace(line, "chip = \"h100-sxmm\"");
    let r = client().post(&url).json(&json!({ "name": "edited.toml", "text": broken })).send().await.unwrap();
    assert_eq!(r.status(), 200, "check answers 200 even when the scenario is not ok");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["ok"], false);
    let d = &body["diagnostics"][0];
    assert_eq!(d["file"], "edited.toml");
    assert_eq!(d["line"].as_u64(), Some(index as u64 + 1), "{body}");
    assert!(d["message"].as_str().unwrap().contains("h100-sxmm"), "{d}");
    assert!(d["help"].as_str().unwrap_or("").contains("h100-sxm"), "did-you-mean: {d}");

    // Same document as the library builds.
    let diagnosed = validate_source(SourceText::new("edited.toml", broken), &catalog()).unwrap_err();
    let expected = fleetplan_io::api::diagnostics::check_document("edited.toml", Some(&diagnosed));
    assert_eq!(body, serde_json::from_str::<Value>(&to_json_pretty(&expected).unwrap()).unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn evaluate_returns_the_cli_document_and_charts() {
    let s = start(config()).await;
    let url = format!("{}/api/evaluate", s.base);
    for name in ["bytedance-2025.toml", "quickstart.toml"] {
        let r = client().post(&url).json(&example_body(name)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{name}");
        assert_safe_headers(r.headers());
        let body: Value = r.json().await.unwrap();
        let (_, expected) = library_evaluation(name);
        assert_eq!(body["result"], expected, "{name}: the result is `fleetplan evaluate --format json`");
        assert!(body["charts"].is_array(), "{name}");
        for chart in body["charts"].as_array().unwrap() {
            assert!(chart["id"].is_string() && chart["svg"].as_str().unwrap().starts_with("<svg"), "{chart}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn evaluate_refuses_invalid_scenarios_with_diagnostics() {
    let s = start(config()).await;
    let url = format!("{}/api/evaluate", s.base);
    let r = client().post(&url).json(&json!({ "text": "this is = not [toml" })).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(code(&body), "invalid_scenario");
    let d = &body["error"]["diagnostics"][0];
    assert_eq!((d["file"].as_str(), d["line"].as_u64()), (Some("scenario.toml"), Some(1)), "{body}");

    // Valid, but nothing to evaluate (no [[fleet]]).
    let r = client().post(&url).json(&example_body("deepseek-2025-02.toml")).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(code(&body), "evaluation_failed", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("deepseek-2025-02.toml"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn compare_returns_the_cli_document_and_names_a_bad_scenario() {
    let s = start(config()).await;
    let url = format!("{}/api/compare", s.base);
    let names = ["bytedance-2025.toml", "quickstart.toml", "us-hyperscaler-2025.toml"];
    let scenarios: Vec<Value> = names.iter().map(|n| example_body(n)).collect();
    let r = client().post(&url).json(&json!({ "scenarios": scenarios })).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let evaluations: Vec<_> = names.iter().map(|n| library_evaluation(n).0).collect();
    let expected = fleetplan_io::api::compare::compare_document(&evaluations, &catalog());
    let expected: Value = serde_json::from_str(&to_json_pretty(&expected).unwrap()).unwrap();
    assert_eq!(body["result"], expected);
    assert_eq!(body["result"]["scenarios"].as_array().unwrap().len(), 3);
    assert!(body["charts"].is_array());

    let one = json!({ "scenarios": [example_body("quickstart.toml")] });
    let r = client().post(&url).json(&one).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().contains("2 to 6"));

    let bad = json!({ "scenarios": [example_body("quickstart.toml"), { "name": "broken.toml", "text": "[scenario]\nname = 3\n" }] });
    let r = client().post(&url).json(&bad).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(code(&body), "invalid_scenario");
    assert_eq!((body["error"]["scenario"].as_str(), body["error"]["index"].as_u64()), (Some("broken.toml"), Some(1)));
    assert!(body["error"]["diagnostics"].as_array().is_some_and(|d| !d.is_empty()), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn catalog_lists_every_table_with_provenance() {
    let s = start(config()).await;
    let r = client().get(format!("{}/api/catalog", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let expected = fleetplan_io::api::catalog::catalog_document(&catalog()).unwrap();
    let expected: Value = serde_json::from_str(&to_json_pretty(&expected).unwrap()).unwrap();
    assert_eq!(body, expected);
    let chips = body["chips"].as_array().unwrap();
    assert_eq!(chips.len(), catalog().accelerators.len());
    for table in ["chips", "systems", "models", "regions", "rules"] {
        for entry in body[table].as_array().unwrap() {
            assert!(entry["id"].is_string(), "{table}: {entry}");
            assert!(entry["source"].is_string(), "{table} {}: no source", entry["id"]);
            assert!(entry["confidence"].is_string(), "{table} {}: no confidence", entry["id"]);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_api_paths_and_methods_are_json_errors() {
    let s = start(config()).await;
    let r = client().get(format!("{}/api/nothing-here", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_safe_headers(r.headers());
    assert_eq!(code(&r.json().await.unwrap()), "not_found");
    let r = client().get(format!("{}/api/evaluate", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_safe_headers(r.headers());
}
