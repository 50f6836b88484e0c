//! [`ServerConfig`]: what `fleetplan serve` was asked for, with the default limits of the
//! contract (docs/serve.md, "Limits").

use crate::ServeError;
use fleetplan_core::catalog::Catalog;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

/// Default listening address (loopback).
pub const DEFAULT_BIND: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 8765);

/// Largest request body by default, bytes (2 MiB: the largest example is ~30 KiB).
pub const DEFAULT_BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;

/// Limits of one kind of work: how many run at once, how many may wait, and how long one may
/// take (waiting included), seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindLimits {
    /// Requests of this kind running at once (0 makes the kind unavailable: every request waits).
    pub concurrency: usize,
    /// Requests of this kind waiting for a slot; one more is refused with 503 and Retry-After.
    pub queue: usize,
    /// Longest a request may take from arrival to answer, seconds.
    pub time_limit_s: f64,
}

impl KindLimits {
    /// Limits from their three values.
    pub const fn new(concurrency: usize, queue: usize, time_limit_s: f64) -> Self {
        Self { concurrency, queue, time_limit_s }
    }
}

/// How the server runs: address, remote access, files, limits.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Allow a non-loopback `bind`; requires the bearer token on `/api/*` (on any address).
    pub allow_remote: bool,
    /// The token to require when `allow_remote` is set; `None` draws a random one at start.
    pub token: Option<String>,
    /// Scenario files the user named on the command line (read at request time).
    pub files: Vec<PathBuf>,
    /// The catalog (built-in plus overrides).
    pub catalog: Arc<Catalog>,
    /// Largest request body, bytes; larger is 413 `too_large`.
    pub body_limit_bytes: usize,
    /// Limits of each inline kind (check, evaluate, compare: one limiter per kind).
    pub inline: KindLimits,
    /// Limits of optimize jobs.
    pub optimize: KindLimits,
    /// Limits of simulate jobs.
    pub simulate: KindLimits,
    /// Limits of sweep jobs.
    pub sweep: KindLimits,
}

impl ServerConfig {
    /// Defaults: loopback 127.0.0.1:8765, no remote access, no extra files, a 2 MiB body cap;
    /// inline requests: as many at once as cores, 256 waiting, 30 s; optimize 2 / 64 / 120 s,
    /// simulate 2 / 32 / 120 s, sweep 1 / 8 / 300 s.
    pub fn new(catalog: Arc<Catalog>) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self {
            bind: DEFAULT_BIND,
            allow_remote: false,
            token: None,
            files: Vec::new(),
            catalog,
            body_limit_bytes: DEFAULT_BODY_LIMIT_BYTES,
            inline: KindLimits::new(cores, 256, 30.0),
            optimize: KindLimits::new(2, 64, 120.0),
            simulate: KindLimits::new(2, 32, 120.0),
            sweep: KindLimits::new(1, 8, 300.0),
        }
    }

    /// Refuse a non-loopback address unless remote access is allowed.
    pub fn check_bind(&self) -> Result<(), ServeError> {
        if self.bind.ip().is_loopback() || self.allow_remote {
            Ok(())
        } else {
            Err(ServeError::RemoteNotAllowed { addr: self.bind })
        }
    }
}
