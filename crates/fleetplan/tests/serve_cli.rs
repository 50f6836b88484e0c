//! `fleetplan serve` end to end: the refusal of a public address without --allow-remote
//! (exit 2, a clear message), the URL printed at start, and a graceful stop on SIGTERM.

#![cfg(feature = "serve")]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

#[test]
fn a_public_address_without_allow_remote_exits_2_with_a_clear_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_fleetplan")).args(["serve", "--bind", "0.0.0.0:0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refusing to listen on 0.0.0.0:0"), "{stderr}");
    assert!(stderr.contains("--allow-remote") && stderr.contains("127.0.0.1"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {out:?}");
}

#[test]
fn a_missing_file_exits_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .args(["serve", "--bind", "127.0.0.1:0", "/nonexistent/scenario.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/scenario.toml"), "{out:?}");
}

#[cfg(unix)]
#[test]
fn serve_prints_its_url_answers_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fleetplan"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    let url = url.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with('/'), "{url}");
    let authority = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(authority).unwrap();
    write!(stream, "GET /api/health HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"ok\":true"), "{answer}");
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a graceful stop exits 0");
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("stopped"), "{stderr}");
}

/// The signal handlers are in place when the URL is printed: a SIGTERM sent the moment the URL
/// appears still stops the server gracefully (exit 0), never by the default action.
#[cfg(unix)]
#[test]
fn a_sigterm_right_after_the_url_is_a_graceful_stop() {
    for _ in 0..5 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fleetplan"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut url = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut url).unwrap();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        // SAFETY: sending a signal to our own child process.
        unsafe {
            libc::kill(child.id() as i32, libc::SIGTERM);
        }
        assert_eq!(child.wait().unwrap().code(), Some(0), "a SIGTERM at once exits 0");
    }
}
