//! Behaviour of the emulator over real HTTP on a loopback port.

use std::io::{Read, Write};
use std::net::TcpStream;

use slack_emulator::Emulator;

/// One plain HTTP/1.1 request; returns (status line, headers, body).
fn request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> (String, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let (status, headers) = head.split_once("\r\n").unwrap();
    (
        status.to_owned(),
        headers.to_ascii_lowercase(),
        body.to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_test_echoes_arguments_and_unknown_methods_fail_like_slack() {
    let emulator = Emulator::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = emulator.addr();
    assert!(
        addr.ip().is_loopback() && addr.port() != 0,
        "a real loopback port: {addr}"
    );

    let (status, headers, body) = tokio::task::spawn_blocking(move || {
        request(addr, "POST", "/api/api.test?foo=bar", "baz=qu%20x")
    })
    .await
    .unwrap();
    assert!(status.contains("200"), "{status}");
    assert!(
        headers.contains("content-type: application/json; charset=utf-8"),
        "{headers}"
    );
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"ok": true, "args": {"foo": "bar", "baz": "qu x"}})
    );

    let (status, _, body) = tokio::task::spawn_blocking(move || {
        request(addr, "GET", "/api/api.test?error=my_error", "")
    })
    .await
    .unwrap();
    assert!(
        status.contains("200"),
        "Slack reports platform errors with HTTP 200: {status}"
    );
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["ok"], false);
    assert_eq!(body["error"], "my_error");

    let (_, _, body) =
        tokio::task::spawn_blocking(move || request(addr, "GET", "/api/chat.fly", ""))
            .await
            .unwrap();
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"], "unknown_method");

    emulator.shutdown().await.unwrap();
    assert!(
        TcpStream::connect(addr).is_err(),
        "the port is closed after shutdown"
    );
}
