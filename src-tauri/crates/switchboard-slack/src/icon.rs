//! Workspace icons for the console. The web view's CSP allows no remote image, so an icon is
//! downloaded here and handed over as a `data:` URL — only when it really is a small image.

use base64::Engine;

use crate::client::SlackClient;
use crate::error::{Error, Result};

/// The largest icon accepted (Slack's 230 px team icons are a few KiB).
pub const MAX_ICON_BYTES: usize = 256 * 1024;

const IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

impl SlackClient {
    /// Downloads the image at `url` and returns it as a `data:` URL; `None` when the answer is
    /// not a PNG, JPEG, GIF or WebP image of at most [`MAX_ICON_BYTES`], or not a success.
    pub async fn fetch_icon_data_url(&self, url: &str) -> Result<Option<String>> {
        let parsed = url::Url::parse(url).map_err(|e| Error::Request(format!("{url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Ok(None);
        }
        let response = self
            .http()
            .get(parsed)
            .send()
            .await
            .map_err(|e| Error::Request(format!("downloading the icon failed: {e}")))?;
        if !response.status().is_success() {
            return Ok(None);
        }
        let mime = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        if !IMAGE_TYPES.contains(&mime.as_str())
            || response
                .content_length()
                .is_some_and(|n| n as usize > MAX_ICON_BYTES)
        {
            return Ok(None);
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Error::Request(format!("downloading the icon failed: {e}")))?;
        if bytes.len() > MAX_ICON_BYTES {
            return Ok(None);
        }
        Ok(Some(format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        )))
    }
}
