//! Slack tokens. A [`Token`] prints only its kind, never the secret, so one logged by mistake
//! or put in an error message leaks nothing. Read the secret with [`Token::expose`], only at the
//! point where it goes on the wire or into the keyring.

use std::fmt;

/// What a token is, from its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `xoxb-`: a bot token; messages appear as from the app.
    Bot,
    /// `xoxp-`: a user token; messages appear as from the person who connected.
    User,
    /// `xoxe.xoxb-` / `xoxe.xoxp-`: a rotating access token that expires.
    Rotating,
    /// `xoxe-`: a refresh token, used only to get a new access token.
    Refresh,
    /// `xapp-`: an app-level token.
    App,
    /// Anything else; Slack will refuse it.
    Unknown,
}

/// A Slack token. `Debug` and `Display` redact it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself. Call it only where the token is sent to Slack or stored in the keyring.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> TokenKind {
        let secret = self.0.as_str();
        if secret.starts_with("xoxe.xoxb-") || secret.starts_with("xoxe.xoxp-") {
            TokenKind::Rotating
        } else if secret.starts_with("xoxe-") {
            TokenKind::Refresh
        } else if secret.starts_with("xoxb-") {
            TokenKind::Bot
        } else if secret.starts_with("xoxp-") {
            TokenKind::User
        } else if secret.starts_with("xapp-") {
            TokenKind::App
        } else {
            TokenKind::Unknown
        }
    }

    /// Whether this token acts as the app's bot user (a plain or rotating bot token).
    pub fn is_bot(&self) -> bool {
        self.kind() == TokenKind::Bot || self.0.starts_with("xoxe.xoxb-")
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({:?}, redacted)", self.kind())
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{:?} token, redacted>", self.kind())
    }
}

/// An OAuth client secret; `Debug` and `Display` redact it like a token's.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, only for sending it to Slack or storing it in the keyring.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(redacted)")
    }
}

impl fmt::Display for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<client secret, redacted>")
    }
}

/// Deserialises a token field of a Slack answer straight into a [`Token`], so the secret never
/// sits in a plain `String` that could be logged.
pub(crate) fn token<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Token, D::Error> {
    let secret = <String as serde::Deserialize>::deserialize(deserializer)?;
    Ok(Token::new(secret))
}

pub(crate) fn optional_token<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Token>, D::Error> {
    let secret = <Option<String> as serde::Deserialize>::deserialize(deserializer)?;
    Ok(secret.filter(|s| !s.is_empty()).map(Token::new))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_reveal_the_secret() {
        let secret = "xoxb-1234-5678-abcdefSECRET";
        let token = Token::new(secret);
        for shown in [
            format!("{token:?}"),
            format!("{token}"),
            format!("{token:#?}"),
        ] {
            assert!(!shown.contains("SECRET"), "the secret leaked: {shown}");
            assert!(
                !shown.contains("1234"),
                "part of the secret leaked: {shown}"
            );
            assert!(
                shown.contains("Bot"),
                "the kind is shown to help debugging: {shown}"
            );
        }
        assert_eq!(
            token.expose(),
            secret,
            "expose gives the secret back unchanged"
        );
    }

    #[test]
    fn client_secrets_are_redacted_too() {
        let secret = ClientSecret::new("abcdef0123456789");
        assert!(!format!("{secret:?} {secret}").contains("abcdef"));
        assert_eq!(secret.expose(), "abcdef0123456789");
    }

    #[test]
    fn kind_follows_the_prefix() {
        let cases = [
            ("xoxb-1", TokenKind::Bot),
            ("xoxp-1", TokenKind::User),
            ("xoxe.xoxp-1", TokenKind::Rotating),
            ("xoxe.xoxb-1", TokenKind::Rotating),
            ("xoxe-1-abc", TokenKind::Refresh),
            ("xapp-1", TokenKind::App),
            ("hello", TokenKind::Unknown),
        ];
        for (secret, kind) in cases {
            assert_eq!(Token::new(secret).kind(), kind, "{secret}");
        }
        assert!(
            Token::new("xoxe.xoxb-1").is_bot(),
            "a rotating bot token is a bot token"
        );
        assert!(!Token::new("xoxp-1").is_bot());
    }
}
