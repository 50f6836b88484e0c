//! The safety layers every request passes (docs/serve.md, "Safety model"):
//! - [`guard`]: the Host header must name this server (DNS rebinding: 421 `bad_host`), an
//!   `Origin` header, when sent, must be this server too (cross-site requests: 403
//!   `bad_origin`), and with remote access `/api/*` needs `Authorization: Bearer <token>`
//!   (401 `unauthorized`);
//! - [`headers`]: the Content-Security-Policy and the other security headers on every response,
//!   `Cache-Control: no-store` on `/api/*`, and never a CORS header.

use crate::ServeError;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};

/// The Content-Security-Policy of every response: scripts, styles and connections from this
/// server only, images also as data: URLs, nothing inline, no frames, no forms, no base URL.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Who may talk to the server: the bound address, whether remote access is allowed and the
/// token it then requires.
#[derive(Debug, Clone)]
pub struct Guard {
    addr: SocketAddr,
    remote: bool,
    token: Option<String>,
}

impl Guard {
    /// The guard of a server bound to `addr`.
    pub fn new(addr: SocketAddr, remote: bool, token: Option<String>) -> Self {
        Self { addr, remote, token }
    }

    /// `http://HOST:PORT/` for a browser: the bound IP, or the loopback address of its family
    /// when bound to all addresses.
    pub fn base_url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}/", SocketAddr::new(ip, self.addr.port()))
    }

    /// Does `authority` (`host[:port]`, from a Host header or an Origin URL) name this server?
    /// Loopback names (`localhost`, `127.0.0.1`, `[::1]`) always; with remote access also the
    /// bound IP, or any IP literal when bound to all addresses (never another DNS name: that is
    /// what a rebinding attack uses). The port must be the bound one (absent only for port 80).
    pub fn allows_authority(&self, authority: &str) -> bool {
        let Some((host, port)) = split_authority(authority) else { return false };
        if port.unwrap_or(80) != self.addr.port() {
            return false;
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host == "localhost" {
            return true;
        }
        let ip_text = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(&host);
        let Ok(ip) = ip_text.parse::<IpAddr>() else { return false };
        if ip.is_loopback() {
            return true;
        }
        self.remote && (self.addr.ip().is_unspecified() || ip == self.addr.ip())
    }

    /// Is this request's `Authorization` header the bearer token (always true without one)?
    pub fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(token) = &self.token else { return true };
        let given =
            headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        given.is_some_and(|given| constant_time_eq(given.trim().as_bytes(), token.as_bytes()))
    }
}

/// `(host, port)` of `host[:port]` (IPv6 in brackets); `None` when malformed.
fn split_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    let authority = authority.trim();
    if authority.is_empty() || authority.contains(['/', '@', ' ']) {
        return None;
    }
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let rest = &authority[end + 1..];
        (&authority[..=end], if rest.is_empty() { None } else { Some(rest.strip_prefix(':')?) })
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    Some((host, port))
}

/// Equality that takes the same time wherever the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A random bearer token: 32 bytes from the operating system, hex (64 characters).
pub fn random_token() -> Result<String, ServeError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(ServeError::Random)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Host, Origin and token checks (see the module doc), in that order.
pub async fn guard(State(state): State<crate::AppState>, request: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    let guard = &state.guard;
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !guard.allows_authority(host) {
        return ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "bad_host",
            format!("the Host header `{}` does not name this server (use {})", host.escape_debug(), guard.base_url()),
        )
        .into_response();
    }
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let authority = origin.strip_prefix("http://").unwrap_or("");
        if !guard.allows_authority(authority) {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "bad_origin",
                format!("cross-origin requests are refused (Origin `{}`)", origin.escape_debug()),
            )
            .into_response();
        }
    }
    if request.uri().path().starts_with("/api/") && !guard.authorized(request.headers()) {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this server needs `Authorization: Bearer <token>`: open the URL printed at start (it carries the token after #token=)",
        )
        .into_response();
    }
    next.run(request).await
}

/// Security headers on every response (errors and 404s included); `no-store` on `/api/*`; any
/// CORS header a handler might have set is removed.
pub async fn headers(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    if api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let cors: Vec<_> = h.keys().filter(|k| k.as_str().starts_with("access-control-")).cloned().collect();
    for k in cors {
        h.remove(k);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(addr: &str, remote: bool) -> Guard {
        Guard::new(addr.parse().unwrap(), remote, None)
    }

    #[test]
    fn loopback_names_with_the_bound_port_are_allowed() {
        let g = guard("127.0.0.1:8765", false);
        for ok in ["localhost:8765", "127.0.0.1:8765", "[::1]:8765", "LOCALHOST:8765", "localhost.:8765"] {
            assert!(g.allows_authority(ok), "{ok}");
        }
        for bad in [
            "evil.example:8765",
            "localhost:80",
            "localhost",
            "127.0.0.1:1",
            "10.0.0.1:8765",
            "",
            "a@localhost:8765",
            "[::1",
        ] {
            assert!(!g.allows_authority(bad), "{bad}");
        }
    }

    #[test]
    fn remote_mode_allows_ip_literals_but_never_other_names() {
        let g = guard("0.0.0.0:8765", true);
        assert!(g.allows_authority("192.168.1.5:8765"));
        assert!(!g.allows_authority("attacker.example:8765"));
        let g = guard("192.168.1.5:8765", true);
        assert!(g.allows_authority("192.168.1.5:8765"));
        assert!(!g.allows_authority("192.168.1.6:8765"));
        assert!(!guard("192.168.1.5:8765", false).allows_authority("192.168.1.5:8765"));
    }

    #[test]
    fn the_token_is_compared_whole() {
        let g = Guard::new("127.0.0.1:1".parse().unwrap(), true, Some("abc".into()));
        let mut h = HeaderMap::new();
        assert!(!g.authorized(&h));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer ab"));
        assert!(!g.authorized(&h));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert!(g.authorized(&h));
    }

    #[test]
    fn tokens_are_random_and_long() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
