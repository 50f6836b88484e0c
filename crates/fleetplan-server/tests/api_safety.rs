//! The safety model end to end (docs/serve.md): body cap, malformed JSON, media type, Host and
//! Origin checks, the bearer token in remote mode, the refusal of a non-loopback address, the
//! inline queue (503 + Retry-After) and time limit (504), and no CORS header on any answer.

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_body_is_413_declared_or_streamed() {
    let s = start(config()).await;
    let limit = fleetplan_server::config::DEFAULT_BODY_LIMIT_BYTES;
    let text = "#".repeat(limit + 1);
    let r = client().post(format!("{}/api/check", s.base)).json(&json!({ "text": text })).send().await.unwrap();
    assert_eq!(r.status(), 413);
    assert_safe_headers(r.headers());
    let body: Value = r.json().await.unwrap();
    assert_eq!(code(&body), "too_large");
    assert_eq!(body["error"]["limit_bytes"].as_u64(), Some(limit as u64));

    // Just under the cap is read (and is a valid JSON body whose text is no scenario).
    let text = "#".repeat(limit - 64);
    let r = client().post(format!("{}/api/check", s.base)).json(&json!({ "text": text })).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // Without Content-Length (chunked), the cap holds while reading.
    let mut c = config();
    c.body_limit_bytes = 1024;
    let s = start(c).await;
    let chunk = format!("{:x}\r\n{}\r\n", 4000, "x".repeat(4000));
    let head = format!(
        "POST /api/check HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked",
        s.info.addr
    );
    let r = raw(s.info.addr, &head, format!("{chunk}0\r\n\r\n").as_bytes()).await;
    assert_eq!(r.status, 413, "{r:?}");
    assert_eq!(code(&r.json()), "too_large");
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_json_is_400_saying_where() {
    let s = start(config()).await;
    let url = format!("{}/api/evaluate", s.base);
    let send = |body: &'static str| client().post(&url).header("content-type", "application/json").body(body).send();
    let r = send("{\"text\": \"a\",\n  \"name\": }").await.unwrap();
    assert_eq!(r.status(), 400);
    assert_safe_headers(r.headers());
    let body: Value = r.json().await.unwrap();
    assert_eq!(code(&body), "bad_json");
    assert_eq!((body["error"]["line"].as_u64(), body["error"]["column"].as_u64()), (Some(2), Some(11)), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("line 2 column 11"), "{body}");

    let body: Value = send("{\"name\": \"x\"}").await.unwrap().json().await.unwrap();
    assert_eq!(code(&body), "bad_json");
    assert!(body["error"]["message"].as_str().unwrap().contains("missing field `text`"), "{body}");

    let body: Value = send("{\"text\": \"\", \"txet\": 1}").await.unwrap().json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("unknown field `txet`"), "{body}");

    let body: Value = send("").await.unwrap().json().await.unwrap();
    assert_eq!(code(&body), "bad_json");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_not_declared_as_json_is_415() {
    let s = start(config()).await;
    let r = client()
        .post(format!("{}/api/check", s.base))
        .header("content-type", "text/plain")
        .body(json!({ "text": "" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(code(&r.json().await.unwrap()), "unsupported_media_type");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_host_is_refused_and_loopback_names_are_not() {
    let s = start(config()).await;
    let port = s.info.addr.port();
    for host in ["evil.example", "evil.example:80", &format!("attacker.example:{port}"), &format!("10.1.2.3:{port}")] {
        let r = raw(s.info.addr, &format!("GET /api/health HTTP/1.1\r\nHost: {host}"), b"").await;
        assert_eq!(r.status, 421, "{host}: {r:?}");
        assert_eq!(code(&r.json()), "bad_host");
        assert!(r.header("content-security-policy").is_some());
        // The page itself is refused too (a rebound name must not load the app).
        let r = raw(s.info.addr, &format!("GET / HTTP/1.1\r\nHost: {host}"), b"").await;
        assert_eq!(r.status, 421, "{host}");
    }
    let r = raw(s.info.addr, "GET /api/health HTTP/1.0", b"").await;
    assert_eq!(r.status, 421, "no Host header at all: {r:?}");
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")] {
        let r = raw(s.info.addr, &format!("GET /api/health HTTP/1.1\r\nHost: {host}"), b"").await;
        assert_eq!(r.status, 200, "{host}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cross_origin_requests_are_refused_and_never_get_cors_headers() {
    let s = start(config()).await;
    let addr = s.info.addr;
    let preflight = format!(
        "OPTIONS /api/evaluate HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://evil.example\r\nAccess-Control-Request-Method: POST"
    );
    let r = raw(addr, &preflight, b"").await;
    assert_ne!(r.status, 200);
    assert!(r.headers.iter().all(|(n, _)| !n.starts_with("access-control-")), "{r:?}");
    let body = json!({ "text": "" }).to_string();
    let post = format!(
        "POST /api/check HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://evil.example\r\nContent-Type: application/json\r\nContent-Length: {}",
        body.len()
    );
    let r = raw(addr, &post, body.as_bytes()).await;
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(code(&r.json()), "bad_origin");
    assert!(r.headers.iter().all(|(n, _)| !n.starts_with("access-control-")), "{r:?}");
    // The page's own origin is fine.
    let own = post.replace("http://evil.example", &format!("http://{addr}"));
    assert_eq!(raw(addr, &own, body.as_bytes()).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn remote_mode_requires_the_bearer_token_on_the_api() {
    let mut c = config();
    c.allow_remote = true;
    c.token = Some("test-token-123".into());
    let s = start(c).await;
    assert_eq!(s.info.token.as_deref(), Some("test-token-123"));
    assert!(s.info.url.ends_with("/#token=test-token-123"), "{}", s.info.url);
    let url = format!("{}/api/health", s.base);
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_safe_headers(r.headers());
    assert_eq!(r.headers().get("www-authenticate").unwrap(), "Bearer");
    assert_eq!(code(&r.json().await.unwrap()), "unauthorized");
    for wrong in ["Bearer test-token-12", "Bearer test-token-1234", "test-token-123", "Basic test-token-123"] {
        let r = client().get(&url).header("authorization", wrong).send().await.unwrap();
        assert_eq!(r.status(), 401, "{wrong}");
    }
    let r = client().get(&url).bearer_auth("test-token-123").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = client().post(format!("{}/api/check", s.base)).json(&json!({ "text": "" })).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // The page loads without the token (it reads it from the URL fragment).
    assert_eq!(client().get(format!("{}/", s.base)).send().await.unwrap().status(), 200);

    // Without a configured token a random one is drawn and put in the URL.
    let mut c = config();
    c.allow_remote = true;
    let s = start(c).await;
    let token = s.info.token.clone().expect("a token");
    assert_eq!(token.len(), 64);
    assert!(s.info.url.ends_with(&format!("#token={token}")));
    assert_eq!(client().get(format!("{}/api/health", s.base)).send().await.unwrap().status(), 401);
    assert_eq!(client().get(format!("{}/api/health", s.base)).bearer_auth(&token).send().await.unwrap().status(), 200);

    // Loopback without remote access: no token, none required.
    let s = start(config()).await;
    assert!(s.info.token.is_none() && !s.info.url.contains("token"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_public_address_without_allow_remote_is_refused_before_binding() {
    for addr in ["0.0.0.0:0", "[::]:0", "192.0.2.1:8765"] {
        let mut c = config();
        c.bind = addr.parse().unwrap();
        let Err(err) = fleetplan_server::bind(&c).await else { panic!("{addr} must be refused") };
        assert!(matches!(err, fleetplan_server::ServeError::RemoteNotAllowed { .. }), "{addr}: {err}");
        assert!(err.to_string().contains("--allow-remote"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_inline_queue_is_503_with_retry_after_and_a_late_answer_504() {
    let mut c = config();
    // No slot at all and room for one waiter: the first request waits until its time limit,
    // the second finds the queue full.
    c.inline = fleetplan_server::KindLimits::new(0, 1, 2.0);
    let s = start(c).await;
    let url = format!("{}/api/evaluate", s.base);
    let first = tokio::spawn(client().post(&url).json(&example_body("quickstart.toml")).send());
    let limiter = &s.state.inline.evaluate;
    for _ in 0..200 {
        if limiter.waiting() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(limiter.waiting(), 1, "the first request waits");
    let r = client().post(&url).json(&example_body("quickstart.toml")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_safe_headers(r.headers());
    let retry: u64 = r.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!(retry >= 1);
    assert_eq!(code(&r.json().await.unwrap()), "busy");
    let started = std::time::Instant::now();
    let r = first.await.unwrap().unwrap();
    assert_eq!(r.status(), 504);
    assert_eq!(code(&r.json().await.unwrap()), "timed_out");
    assert!(started.elapsed().as_secs_f64() < 5.0);
    assert_eq!(limiter.waiting(), 0, "the waiter left the queue");
}

#[tokio::test(flavor = "multi_thread")]
async fn inline_requests_beyond_the_slots_wait_their_turn_and_all_succeed() {
    let mut c = config();
    c.inline = fleetplan_server::KindLimits::new(1, 16, 60.0);
    let s = start(c).await;
    let url = format!("{}/api/check", s.base);
    let requests: Vec<_> =
        (0..8).map(|_| tokio::spawn(client().post(&url).json(&example_body("bytedance-2025.toml")).send())).collect();
    for r in requests {
        let r = r.await.unwrap().unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap()["ok"], true);
    }
}
