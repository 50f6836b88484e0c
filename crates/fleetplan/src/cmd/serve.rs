//! `fleetplan serve [FILES...] [--bind ADDR] [--allow-remote] [--open]`: the local web
//! dashboard (crate `fleetplan-server`, docs/serve.md). Prints the URL to open on stdout (with
//! `#token=…` when remote access is allowed) and serves until Ctrl-C or SIGTERM.

use super::Failure;
use super::args::user_error;
use crate::ui;
use clap::Args;
use fleetplan_core::catalog::Catalog;
use fleetplan_server::{ServeError, ServerConfig, ServerInfo};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Arguments of `fleetplan serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Scenario files to offer besides the built-in examples (read again at each request; no
    /// other file is ever read).
    pub files: Vec<PathBuf>,
    /// Address to listen on; a non-loopback address also needs --allow-remote. Port 0 picks a
    /// free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8765")]
    pub bind: SocketAddr,
    /// Allow a non-loopback --bind address; a random bearer token is then printed and required.
    #[arg(long)]
    pub allow_remote: bool,
    /// Open the dashboard in the default browser (xdg-open or open); prints the URL otherwise.
    #[arg(long)]
    pub open: bool,
}

/// Run `fleetplan serve` until interrupted.
pub fn run(catalog: Catalog, args: &ServeArgs) -> Result<(), Failure> {
    let mut config = ServerConfig::new(Arc::new(catalog));
    config.bind = args.bind;
    config.allow_remote = args.allow_remote;
    config.files.clone_from(&args.files);
    let open = args.open;
    let result = fleetplan_server::serve_blocking(&config, |info| announce(info, open));
    match result {
        Ok(()) => {
            ui::status("fleetplan serve: stopped");
            Ok(())
        }
        Err(e @ (ServeError::RemoteNotAllowed { .. } | ServeError::Bind { .. } | ServeError::File(_))) => {
            Err(user_error(e))
        }
        Err(e) => Err(Failure::Internal(e.to_string())),
    }
}

/// Print the URL (stdout: scripts read it) and the notes (stderr), and open the browser.
fn announce(info: &ServerInfo, open: bool) {
    super::out(&info.url);
    if let Some(token) = &info.token {
        ui::note(format!(
            "remote access allowed on {}: every /api request needs `Authorization: Bearer {token}` (the URL above carries it)",
            info.addr
        ));
    }
    ui::status(format!("fleetplan serve: listening on {}; press Ctrl-C to stop", info.addr));
    if open && !open_browser(&info.url) {
        ui::note(format!("no browser opener found (xdg-open, open); open {} yourself", info.url));
    }
}

/// Launch the desktop's URL opener; `false` when none could be started.
fn open_browser(url: &str) -> bool {
    let openers: &[&str] = if cfg!(target_os = "macos") { &["open"] } else { &["xdg-open", "open"] };
    openers.iter().any(|opener| {
        std::process::Command::new(opener)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .is_ok()
    })
}
