//! Workspace icons: a small image becomes a `data:` URL; anything else (not an image, too big,
//! an error status) becomes nothing, never an error page shown as a picture.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use switchboard_slack::{ClientConfig, SlackClient};

/// Serves each path once with a fixed answer: `/icon.png` a PNG, `/page` HTML, `/big.png` an
/// oversized PNG, anything else 404.
async fn server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut buffer = vec![0u8; 4096];
            let n = stream.read(&mut buffer).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buffer[..n]).to_string();
            let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
            let png = b"\x89PNG\r\n\x1a\n-not-really-pixels".to_vec();
            let (status, mime, body) = match path.as_str() {
                "/icon.png" => ("200 OK", "image/png", png),
                "/page" => ("200 OK", "text/html", b"<html>hi</html>".to_vec()),
                "/big.png" => ("200 OK", "image/png", vec![0u8; 300 * 1024]),
                _ => ("404 Not Found", "image/png", Vec::new()),
            };
            let reply = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes()).await;
            let _ = stream.write_all(&body).await;
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn only_small_images_become_data_urls() {
    let base = server().await;
    let client =
        SlackClient::new(ClientConfig::with_base_url(&format!("{base}/api/")).unwrap()).unwrap();
    let icon = client
        .fetch_icon_data_url(&format!("{base}/icon.png"))
        .await
        .unwrap()
        .expect("a PNG becomes a data URL");
    assert!(
        icon.starts_with("data:image/png;base64,iVBORw0KGgo"),
        "{icon}"
    );
    for path in ["/page", "/big.png", "/missing.png"] {
        let none = client
            .fetch_icon_data_url(&format!("{base}{path}"))
            .await
            .unwrap();
        assert!(none.is_none(), "{path}");
    }
    assert!(
        client
            .fetch_icon_data_url("file:///etc/passwd")
            .await
            .unwrap()
            .is_none()
    );
}
