//! Shared by the API tests: an in-process server on 127.0.0.1:0, a real HTTP client, and a raw
//! HTTP/1.1 client for requests a well-behaved client would not send (foreign Host headers,
//! unnormalised `..` paths, chunked bodies).

#![allow(dead_code)]

use fleetplan_core::catalog::Catalog;
use fleetplan_server::{AppState, ServerConfig, ServerInfo};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The built-in catalog, loaded once.
pub fn catalog() -> Arc<Catalog> {
    static CATALOG: OnceLock<Arc<Catalog>> = OnceLock::new();
    CATALOG.get_or_init(|| Arc::new(Catalog::builtin().expect("built-in catalog"))).clone()
}

/// A default configuration on a free loopback port.
pub fn config() -> ServerConfig {
    let mut c = ServerConfig::new(catalog());
    c.bind = "127.0.0.1:0".parse().unwrap();
    c
}

/// A running server; stops when dropped.
pub struct TestServer {
    /// Address, URL and token.
    pub info: ServerInfo,
    /// The server's state (limiters, files).
    pub state: AppState,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Start `config` in this runtime.
pub async fn start(config: ServerConfig) -> TestServer {
    let bound = fleetplan_server::bind(&config).await.expect("server binds");
    let info = bound.info().clone();
    let state = bound.state().clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(bound.run(async move {
        let _ = rx.await;
    }));
    let base = format!("http://{}", info.addr);
    TestServer { info, state, base, stop: Some(tx) }
}

/// A real HTTP client.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("client")
}

/// Read a file of the workspace.
pub fn repo_file(relative: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `{"name": NAME, "text": <examples/NAME>}`.
pub fn example_body(name: &str) -> serde_json::Value {
    serde_json::json!({ "name": name, "text": repo_file(&format!("examples/{name}")) })
}

/// A raw HTTP/1.1 answer.
#[derive(Debug)]
pub struct Raw {
    /// Status code.
    pub status: u16,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
}

impl Raw {
    /// The first header called `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Send `head` (request line and headers, without the blank line) and `body` as bytes over a
/// fresh connection (`Connection: close` is added) and read the whole answer.
pub async fn raw(addr: SocketAddr, head: &str, body: &[u8]) -> Raw {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("{head}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write head");
    // The server may answer (413) and close before the body is read; ignore write errors.
    let _ = stream.write_all(body).await;
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes).await;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Raw { status, headers, body: body.to_string() }
}

/// A GET of `path` with the server's own Host header.
pub async fn raw_get(server: &TestServer, path: &str) -> Raw {
    raw(server.info.addr, &format!("GET {path} HTTP/1.1\r\nHost: {}", server.info.addr), b"").await
}

/// Assert the security headers of the contract and the absence of CORS headers.
pub fn assert_safe_headers(headers: &reqwest::header::HeaderMap) {
    let csp = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert_eq!(csp, fleetplan_server::safety::CSP);
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(headers.get("referrer-policy").unwrap(), "no-referrer");
    for (name, _) in headers {
        assert!(!name.as_str().starts_with("access-control-"), "CORS header {name}");
    }
}

/// The `error.code` of an error body.
pub fn code(body: &serde_json::Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_else(|| panic!("not an error body: {body}"))
}
