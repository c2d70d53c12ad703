//! Slack's text formatting rules for `mrkdwn`. Text that came from a person or the business
//! application is escaped, so `<`, `>` and `&` show as typed instead of becoming links or
//! mentions. <https://docs.slack.dev/messaging/formatting-message-text#escaping>

/// Escapes the three control characters Slack asks clients to escape; nothing else.
pub fn escape_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::escape_text;

    #[test]
    fn escapes_only_what_slack_treats_as_markup() {
        let cases = [
            ("Tom & Jerry", "Tom &amp; Jerry"),
            ("<!channel> pay now", "&lt;!channel&gt; pay now"),
            ("*bold* _it_ `code`", "*bold* _it_ `code`"),
            ("Grüße 👋", "Grüße 👋"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(escape_text(input), expected, "escaping {input:?}");
        }
    }
}
