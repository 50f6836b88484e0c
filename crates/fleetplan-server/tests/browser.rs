//! The dashboard in a real browser: headless Chromium driven through chromedriver (WebDriver,
//! fantoccini) against the server started in-process on 127.0.0.1:0.
//!
//! It loads the ByteDance example in the editor, misspells a chip id on a known line and finds
//! the diagnostic shown beside that line, fixes it and sees the diagnostics clear, runs evaluate
//! and optimize (the job followed to its end, bounded), finds the charts (SVG `.fp-chart` with
//! `.fp-mark` elements carrying `data-value`), visits every view, and checks that the page
//! recorded no error: window errors, unhandled rejections and Content-Security-Policy violations
//! (the collector of `assets/errors.js`) and the browser console (chromedriver's log). A
//! screenshot of each view is written to `target/tmp/browser-screenshots/` (the path is printed).
//!
//! Needs `/usr/bin/chromedriver` and `/usr/bin/chromium` (Debian's `chromium-driver` and
//! `chromium`; other paths through `FLEETPLAN_CHROMEDRIVER` / `FLEETPLAN_CHROMIUM`). Without them
//! the test is skipped, unless `FLEETPLAN_BROWSER_TEST=1` (CI), where it fails.

use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use fleetplan_core::catalog::Catalog;
use fleetplan_server::ServerConfig;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest wait for a page state (a check, an evaluation), seconds.
const WAIT_S: u64 = 60;
/// Longest wait for the optimize job of the ByteDance example (debug build), seconds.
const JOB_WAIT_S: u64 = 240;
/// Browser window size, pixels: the 1280-px screen the dashboard is designed for.
const WINDOW: (u32, u32) = (1280, 900);
/// Tallest full-page screenshot, pixels.
const MAX_SHOT_HEIGHT: u32 = 4000;

/// chromedriver and chromium, or why they are missing.
fn browser_binaries() -> Result<(PathBuf, PathBuf), String> {
    let driver = std::env::var_os("FLEETPLAN_CHROMEDRIVER")
        .map_or_else(|| PathBuf::from("/usr/bin/chromedriver"), PathBuf::from);
    let chromium =
        std::env::var_os("FLEETPLAN_CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    for p in [&driver, &chromium] {
        if !p.is_file() {
            return Err(format!("{} not found (apt-get install chromium chromium-driver)", p.display()));
        }
    }
    Ok((driver, chromium))
}

/// A chromedriver process on a free loopback port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(binary: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on port {port} within 20 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver's browser console log (`POST /session/{id}/se/log`, type `browser`): not part
/// of W3C WebDriver, so a custom command.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "type": "browser" }).to_string()))
    }
}

/// A Chrome DevTools Protocol command through chromedriver (`POST /session/{id}/goog/cdp/execute`).
#[derive(Debug)]
struct Cdp(&'static str, Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.0, "params": self.1 }).to_string()))
    }
}

/// The console lines at level SEVERE so far (the log is drained by each read).
async fn console_errors(c: &Client) -> Vec<String> {
    let v = c.issue_cmd(BrowserLog).await.expect("chromedriver returns the browser log");
    v.as_array()
        .map(|lines| {
            lines
                .iter()
                .filter(|l| l["level"] == "SEVERE")
                .map(|l| l["message"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `script` (a function body returning a value) until it returns something truthy.
async fn wait_js(c: &Client, what: &str, script: &str, limit_s: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(limit_s);
    loop {
        let v = c.execute(script, vec![]).await.unwrap_or(Value::Null);
        let truthy = match &v {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
            Value::String(s) => !s.is_empty(),
            _ => true,
        };
        if truthy {
            return v;
        }
        if Instant::now() > deadline {
            let errors =
                c.execute("return JSON.stringify(window.__fpErrors || [])", vec![]).await.unwrap_or(Value::Null);
            panic!("timed out after {limit_s} s waiting for {what}; page errors: {errors}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn testid(c: &Client, id: &str) -> Element {
    c.wait()
        .at_most(Duration::from_secs(WAIT_S))
        .for_element(Locator::Css(&format!("[data-testid=\"{id}\"]")))
        .await
        .unwrap_or_else(|e| panic!("no element [data-testid={id}]: {e}"))
}

/// Opens a view through the nav bar and waits until the router has rendered it.
async fn open_view(c: &Client, view: &str) {
    testid(c, &format!("nav-{view}")).await.click().await.expect("nav link clicks");
    wait_js(
        c,
        &format!("view {view}"),
        &format!("return document.getElementById('view').dataset.ready === '{view}'"),
        WAIT_S,
    )
    .await;
}

/// A full-page screenshot (DevTools `Page.captureScreenshot` beyond the viewport, at most
/// [`MAX_SHOT_HEIGHT`] pixels tall); the viewport's own screenshot when that fails.
async fn screenshot(c: &Client, dir: &Path, name: &str) -> PathBuf {
    // From the top, so that the sticky nav bar is drawn where it belongs.
    let _ = c.execute("window.scrollTo(0, 0)", vec![]).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let size = c
        .execute("return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]", vec![])
        .await
        .unwrap_or(Value::Null);
    let width = size[0].as_f64().unwrap_or(f64::from(WINDOW.0));
    let height = size[1].as_f64().unwrap_or(f64::from(WINDOW.1)).min(f64::from(MAX_SHOT_HEIGHT));
    let params = json!({ "format": "png", "captureBeyondViewport": true, "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 } });
    let full = c
        .issue_cmd(Cdp("Page.captureScreenshot", params))
        .await
        .ok()
        .and_then(|v| v["data"].as_str().and_then(base64_decode));
    let png = match full {
        Some(png) => png,
        None => c.screenshot().await.expect("screenshot"),
    };
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).expect("screenshot written");
    path
}

/// Standard base64 (the screenshot of the DevTools protocol), or `None` when malformed.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in text.bytes().filter(|b| !b.is_ascii_whitespace() && *b != b'=') {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Replaces the text `from` at (1-based) `line` of the editor by typing `to` over it: the caret
/// range is set with script, the keys are real WebDriver key events.
async fn type_over(c: &Client, line: usize, from: &str, to: &str) {
    let script = format!(
        "const ta = document.querySelector('[data-testid=editor-text]'); const lines = ta.value.split('\\n'); \
         let off = 0; for (let i = 0; i < {line} - 1; i++) off += lines[i].length + 1; \
         const col = lines[{line} - 1].indexOf({from:?}); if (col < 0) return false; \
         ta.focus(); ta.setSelectionRange(off + col, off + col + {len}); return true;",
        len = from.chars().count()
    );
    assert_eq!(c.execute(&script, vec![]).await.expect("script runs"), Value::Bool(true), "{from:?} is on line {line}");
    testid(c, "editor-text").await.send_keys(to).await.expect("keys typed");
}

async fn ready_and_clean(c: &Client, view: &str) {
    let errors = c.execute("return window.__fpErrors || null", vec![]).await.expect("script runs");
    assert!(errors.is_array(), "the error collector of errors.js is installed");
    assert_eq!(errors, json!([]), "page errors (window errors, rejections, CSP violations) after the {view} view");
    let console = console_errors(c).await;
    assert!(console.is_empty(), "browser console errors after the {view} view: {console:#?}");
}

/// Waits (at most [`JOB_WAIT_S`]) until the view's job panel shows a final state; returns it.
async fn wait_job(c: &Client) -> Value {
    let script = "const p = document.querySelector('[data-testid=job-panel]'); \
                  return p && ['done','failed','cancelled','timed_out'].includes(p.dataset.state) && p.dataset.state";
    let state = wait_js(c, "the job to end", script, JOB_WAIT_S).await;
    if state != json!("done") {
        let shown =
            c.execute("return document.querySelector('[data-testid=view]').innerText.slice(0, 2000)", vec![]).await;
        eprintln!("job ended {state}; the page shows: {shown:?}");
    }
    state
}

/// Types `value` into the input `[data-testid=id]` after clearing it.
async fn set_input(c: &Client, id: &str, value: &str) {
    let input = testid(c, id).await;
    input.clear().await.unwrap_or_else(|e| panic!("clear {id}: {e}"));
    input.send_keys(value).await.unwrap_or_else(|e| panic!("type into {id}: {e}"));
}

/// How many chart marks with data the element `[data-testid=scope]` holds.
async fn chart_marks(c: &Client, scope: &str) -> u64 {
    let script =
        format!("return document.querySelectorAll('[data-testid={scope}] svg.fp-chart .fp-mark[data-value]').length");
    wait_js(c, &format!("charts with data in {scope}"), &script, WAIT_S).await.as_u64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_in_headless_chromium() {
    let required = std::env::var("FLEETPLAN_BROWSER_TEST").is_ok_and(|v| v == "1");
    let (driver_bin, chromium) = match browser_binaries() {
        Ok(found) => found,
        Err(why) if required => panic!("FLEETPLAN_BROWSER_TEST=1 but {why}"),
        Err(why) => {
            eprintln!("browser test skipped: {why}; set FLEETPLAN_BROWSER_TEST=1 to make this a failure");
            return;
        }
    };

    // The line of the example the test breaks: the first `chip = "h20"`.
    let example = include_str!("../../../examples/bytedance-2025.toml");
    let line = example
        .lines()
        .position(|l| l.trim_start().starts_with("chip = \"h20\""))
        .expect("the ByteDance example has an h20 chip line")
        + 1;

    // The server, in-process, on a free loopback port.
    let catalog = Arc::new(Catalog::builtin().expect("the built-in catalog loads"));
    let mut config = ServerConfig::new(catalog);
    config.bind = "127.0.0.1:0".parse().expect("an address");
    let bound = fleetplan_server::bind(&config).await.expect("the server binds");
    let base = bound.info().url.clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(bound.run(async move {
        let _ = stop_rx.await;
    }));

    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot directory");
    let profile = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("chromium-profile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);

    let driver = Driver::start(&driver_bin);
    let caps = json!({
        "browserName": "chrome",
        "goog:loggingPrefs": { "browser": "ALL" },
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", format!("--window-size={},{}", WINDOW.0, WINDOW.1),
                format!("--user-data-dir={}", profile.display()),
            ],
        },
    });
    let caps = caps.as_object().expect("an object").clone().into_iter().collect();
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let c = ClientBuilder::new(connector).capabilities(caps).connect(&driver.url).await.expect("a WebDriver session");

    let result = run(&c, &base, line, &shots).await;
    let _ = c.close().await;
    drop(driver);
    let _ = stop_tx.send(());
    let _ = tokio::time::timeout(Duration::from_secs(15), server).await;
    let _ = std::fs::remove_dir_all(&profile);
    println!("browser screenshots: {}", shots.display());
    result.unwrap_or_else(|e| panic!("{e}"));
}

/// The whole walk through the dashboard: the editor, then the result views.
async fn run(c: &Client, base: &str, line: usize, shots: &Path) -> Result<(), String> {
    editor_steps(c, base, line, shots).await?;
    evaluate_and_optimize(c, shots).await?;
    other_views(c, shots).await
}

/// Loads the ByteDance example, breaks line `line`, finds the diagnostic there, fixes it.
async fn editor_steps(c: &Client, base: &str, line: usize, shots: &Path) -> Result<(), String> {
    c.set_window_size(WINDOW.0, WINDOW.1).await.map_err(|e| e.to_string())?;
    c.goto(&format!("{base}#/editor")).await.map_err(|e| e.to_string())?;
    wait_js(c, "the editor", "return document.getElementById('view').dataset.ready === 'editor'", WAIT_S).await;

    // Load the ByteDance example through the file picker.
    testid(c, "file-select").await.select_by_value("bytedance-2025.toml").await.map_err(|e| e.to_string())?;
    testid(c, "file-load").await.click().await.map_err(|e| e.to_string())?;
    wait_js(c, "the example in the editor", "const t = document.querySelector('[data-testid=editor-text]'); return t && t.value.includes('ByteDance') && document.querySelector('[data-testid=check-status]').dataset.state === 'ok'", WAIT_S).await;
    ready_and_clean(c, "editor (loaded)").await;

    // Break a chip id on a known line: its diagnostic appears beside that line.
    type_over(c, line, "h20", "h2O").await;
    let inline = format!("[data-testid=diagnostic-inline][data-line=\"{line}\"]");
    let text = wait_js(
        c,
        "the inline diagnostic",
        &format!("const d = document.querySelector('{inline}'); return d && d.textContent"),
        WAIT_S,
    )
    .await;
    assert!(
        text.as_str().unwrap_or_default().contains("unknown accelerator `h2O`"),
        "diagnostic beside line {line}: {text}"
    );
    assert!(text.as_str().unwrap_or_default().contains("did you mean `h20`"), "the help is shown: {text}");
    // The marker is in the gutter at that line, and the message is at the line's height.
    let aligned = c
        .execute(
            &format!(
                "const m = document.querySelector('[data-testid=gutter-marker][data-line=\"{line}\"]'); \
                 const gl = document.querySelectorAll('[data-testid=gutter-line]')[{line} - 1]; const a = document.querySelector('{inline}'); \
                 return m !== null && gl.contains(m) && Math.abs(a.getBoundingClientRect().top - gl.getBoundingClientRect().top) < 2;"
            ),
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    let listed = c
        .execute(&format!("return Array.from(document.querySelectorAll('[data-testid=diagnostic-item]')).map(d => d.dataset.line).includes('{line}')"), vec![])
        .await
        .map_err(|e| e.to_string())?;
    assert_eq!(aligned, Value::Bool(true), "the gutter marker is on line {line} and the message at the line's height");
    assert_eq!(listed, Value::Bool(true), "the problem list names line {line}");
    // Clicking the list item puts the caret on that line.
    c.find(Locator::Css(&format!("[data-testid=diagnostic-item][data-line=\"{line}\"]")))
        .await
        .map_err(|e| e.to_string())?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    let caret_line = c
        .execute("const ta = document.querySelector('[data-testid=editor-text]'); return ta.value.slice(0, ta.selectionStart).split('\\n').length", vec![])
        .await
        .map_err(|e| e.to_string())?;
    assert_eq!(caret_line, json!(line), "the caret moves to the diagnostic's line");
    println!("screenshot: {}", screenshot(c, shots, "1-editor-diagnostic").await.display());

    // Evaluate refuses the broken text visibly: a 422 with the located diagnostics.
    open_view(c, "evaluate").await;
    let shown = wait_js(
        c,
        "the invalid-scenario error",
        "const e = document.querySelector('[data-testid=error-box]'); return e && e.dataset.code + ' ' + e.textContent",
        WAIT_S,
    )
    .await;
    let shown = shown.as_str().unwrap_or_default().to_string();
    assert!(
        shown.starts_with("invalid_scenario") && shown.contains(&format!("line {line}")) && shown.contains("h2O"),
        "{shown}"
    );
    let console = console_errors(c).await;
    assert!(
        console.iter().all(|l| l.contains("/api/evaluate") && l.contains("422")),
        "only the expected 422 is logged: {console:#?}"
    );
    open_view(c, "editor").await;
    wait_js(
        c,
        "the broken text back in the editor",
        "return document.querySelector('[data-testid=check-status]').dataset.state === 'error'",
        WAIT_S,
    )
    .await;

    // Fix it: the diagnostics clear.
    type_over(c, line, "h2O", "h20").await;
    wait_js(c, "the diagnostics to clear", "return document.querySelector('[data-testid=check-status]').dataset.state === 'ok' && document.querySelectorAll('[data-testid=diagnostic-inline]').length === 0 && document.querySelectorAll('[data-testid=gutter-marker]').length === 0", WAIT_S).await;
    println!("screenshot: {}", screenshot(c, shots, "2-editor").await.display());
    ready_and_clean(c, "editor").await;

    Ok(())
}

/// Evaluate (cards, charts, a tooltip) and optimize (a job followed by SSE to its end).
async fn evaluate_and_optimize(c: &Client, shots: &Path) -> Result<(), String> {
    // Evaluate: summary cards and charts with data.
    open_view(c, "evaluate").await;
    wait_js(c, "the evaluation", "return document.querySelector('[data-testid=card-spend]') || (document.querySelector('[data-testid=error-box]') || {}).textContent", WAIT_S).await;
    assert!(c.find(Locator::Css("[data-testid=card-spend]")).await.is_ok(), "the evaluation succeeded");
    let marks = chart_marks(c, "evaluate-charts").await;
    assert!(marks > 0, "evaluate charts carry marks with data-value");
    hover_a_mark(c, "evaluate-charts").await;
    println!("screenshot: {}", screenshot(c, shots, "3-evaluate").await.display());
    ready_and_clean(c, "evaluate").await;

    // Optimize: a job followed to its end.
    open_view(c, "optimize").await;
    testid(c, "run-optimize").await.click().await.map_err(|e| e.to_string())?;
    assert_eq!(wait_job(c).await, json!("done"), "the optimize job ends done");
    let transport = c
        .execute("return document.querySelector('[data-testid=job-panel]').dataset.transport", vec![])
        .await
        .map_err(|e| e.to_string())?;
    assert_eq!(transport, json!("sse"), "progress came by server-sent events");
    testid(c, "card-feasible").await;
    let marks = chart_marks(c, "optimize-charts").await;
    assert!(marks > 0, "optimize charts carry marks with data-value");
    println!("screenshot: {}", screenshot(c, shots, "4-optimize").await.display());
    ready_and_clean(c, "optimize").await;

    Ok(())
}

/// Simulate and sweep jobs (one sweep cancelled), compare, and the catalog search.
async fn other_views(c: &Client, shots: &Path) -> Result<(), String> {
    // Simulate one chat workload (a small request budget keeps the debug build quick).
    open_view(c, "simulate").await;
    testid(c, "sim-workload").await.select_by_value("doubao/qwen3-30b-a3b").await.map_err(|e| e.to_string())?;
    set_input(c, "sim-quarter", "2025Q1").await;
    set_input(c, "sim-hours", "1").await;
    set_input(c, "sim-requests", "20000").await;
    testid(c, "run-simulate").await.click().await.map_err(|e| e.to_string())?;
    assert_eq!(wait_job(c).await, json!("done"), "the simulate job ends done");
    testid(c, "latency-table").await;
    assert!(chart_marks(c, "simulate-charts").await > 0, "simulate charts carry marks with data-value");
    println!("screenshot: {}", screenshot(c, shots, "5-simulate").await.display());
    ready_and_clean(c, "simulate").await;

    open_view(c, "compare").await;
    testid(c, "run-compare").await.click().await.map_err(|e| e.to_string())?;
    wait_js(c, "the comparison", "return document.querySelector('[data-testid=compare-table]') || (document.querySelector('[data-testid=error-box]') || {}).textContent", WAIT_S).await;
    assert!(c.find(Locator::Css("[data-testid=compare-table]")).await.is_ok(), "the comparison succeeded");
    println!("screenshot: {}", screenshot(c, shots, "6-compare").await.display());
    ready_and_clean(c, "compare").await;

    // A long sweep, cancelled from the page; then a small one: the tornado and the distributions.
    open_view(c, "sweep").await;
    set_input(c, "sweep-samples", "100000").await;
    testid(c, "run-sweep").await.click().await.map_err(|e| e.to_string())?;
    wait_js(c, "the sweep to run", "const p = document.querySelector('[data-testid=job-panel]'); return p && ['running', 'queued'].includes(p.dataset.state)", WAIT_S).await;
    testid(c, "job-cancel").await.click().await.map_err(|e| e.to_string())?;
    let cancelled = wait_job(c).await;
    assert_eq!(cancelled, json!("cancelled"), "the cancelled sweep ends cancelled");
    testid(c, "error-box").await;
    set_input(c, "sweep-samples", "40").await;
    testid(c, "run-sweep").await.click().await.map_err(|e| e.to_string())?;
    assert_eq!(wait_job(c).await, json!("done"), "the sweep job ends done");
    testid(c, "tornado-table").await;
    assert!(chart_marks(c, "sweep-charts").await > 0, "sweep charts carry marks with data-value");
    println!("screenshot: {}", screenshot(c, shots, "7-sweep").await.display());
    ready_and_clean(c, "sweep").await;

    open_view(c, "catalog").await;
    let search = testid(c, "catalog-search").await;
    search.send_keys("h20").await.map_err(|e| e.to_string())?;
    wait_js(
        c,
        "catalog search results",
        "return Array.from(document.querySelectorAll('[data-testid=catalog-entry]')).some(e => e.dataset.id === 'h20')",
        WAIT_S,
    )
    .await;
    println!("screenshot: {}", screenshot(c, shots, "8-catalog").await.display());
    ready_and_clean(c, "catalog").await;
    plan_as_scenario(c, shots).await
}

/// The optimize view keeps its plan; "Use this plan as the scenario" opens the planned fleet
/// (optimize --out's plan.toml) and the evaluation of that fleet serves every workload at the
/// peak (the example's own fleet served none: its evaluation had violations).
async fn plan_as_scenario(c: &Client, shots: &Path) -> Result<(), String> {
    open_view(c, "optimize").await;
    testid(c, "open-plan").await.click().await.map_err(|e| e.to_string())?;
    wait_js(c, "the plan's evaluation", "return document.getElementById('view').dataset.ready === 'evaluate' && (document.querySelector('[data-testid=card-spend]') || (document.querySelector('[data-testid=error-box]') || {}).textContent)", WAIT_S).await;
    assert!(c.find(Locator::Css("[data-testid=card-spend]")).await.is_ok(), "the plan evaluates");
    let badge = testid(c, "scenario-badge").await.text().await.map_err(|e| e.to_string())?;
    assert!(badge.contains("bytedance-2025-plan.toml"), "the scenario is the plan: {badge}");
    let coverage = testid(c, "card-coverage").await.text().await.map_err(|e| e.to_string())?;
    assert!(coverage.contains("100"), "the planned fleet serves the peak: {coverage}");
    assert!(chart_marks(c, "evaluate-charts").await > 0, "the plan's charts carry marks");
    println!("screenshot: {}", screenshot(c, shots, "9-evaluate-plan").await.display());
    ready_and_clean(c, "evaluate").await;
    Ok(())
}

/// Moves the pointer over the largest chart mark in `scope` and checks the tooltip appears.
async fn hover_a_mark(c: &Client, scope: &str) {
    // The largest mark (a tiny one may sit under a label), scrolled to the middle of the window.
    let pick = format!(
        "const marks = Array.from(document.querySelectorAll('[data-testid={scope}] svg.fp-chart .fp-mark[data-value]')); \
         const area = m => {{ const r = m.getBoundingClientRect(); return r.width * r.height; }}; \
         const big = marks.sort((a, b) => area(b) - area(a))[0]; if (!big) return false; \
         big.setAttribute('data-test-hover', ''); big.scrollIntoView({{block: 'center'}}); return true;"
    );
    assert_eq!(c.execute(&pick, vec![]).await.expect("script runs"), Value::Bool(true), "a chart mark in {scope}");
    // Let the scroll settle (the page hides the tooltip on scroll).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mark = c.find(Locator::Css("[data-test-hover]")).await.expect("the chosen mark");
    let actions = MouseActions::new("mouse".to_string()).then(PointerAction::MoveToElement {
        element: mark,
        duration: None,
        x: 0.0,
        y: 0.0,
    });
    c.perform_actions(actions).await.expect("pointer moves");
    wait_js(
        c,
        "the chart tooltip",
        "const t = document.querySelector('[data-testid=chart-tooltip]'); return t && !t.hidden && t.textContent",
        5,
    )
    .await;
}
