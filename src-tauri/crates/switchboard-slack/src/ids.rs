//! Newtypes for Slack identifiers. Slack ids are opaque strings (`T…`, `C…`, `U…`); keeping
//! them apart in the type system stops a channel id being sent where a user id belongs.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! slack_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }
    };
}

slack_id!(
    /// A workspace (team) id, `T…` (or `E…` for an Enterprise Grid organisation).
    TeamId
);
slack_id!(
    /// A conversation id: public `C…`, private `C…`/`G…`, direct message `D…`.
    ChannelId
);
slack_id!(
    /// A user id, `U…` or `W…` (Grid).
    UserId
);
slack_id!(
    /// A message timestamp, `"1700000000.000100"`: unique per channel, Slack's message id.
    Ts
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialise_as_plain_strings() {
        let channel = ChannelId::from("C024BE91L");
        assert_eq!(serde_json::to_string(&channel).unwrap(), "\"C024BE91L\"");
        let back: ChannelId = serde_json::from_str("\"C024BE91L\"").unwrap();
        assert_eq!(back, channel, "ids survive a JSON round trip unchanged");
        assert_eq!(channel.to_string(), "C024BE91L");
    }
}
