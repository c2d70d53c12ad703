-- Directory sync bookkeeping and the user token's connection details (issue 4).
-- When the directory of a workspace was last synced completely (NULL: never).
ALTER TABLE workspace ADD COLUMN directory_synced_at INTEGER;
-- Whether the user token rotates (then token_expires_at/refresh_expires_at say until when).
ALTER TABLE workspace ADD COLUMN user_token_rotates INTEGER NOT NULL DEFAULT 0
    CHECK (user_token_rotates IN (0, 1));
-- Which token Slack refused when the workspace needs reconnecting: `user` comes back by signing
-- in again, `bot` by pasting a bot token again.
ALTER TABLE workspace ADD COLUMN reconnect_token TEXT CHECK (reconnect_token IN ('bot', 'user'));
-- The channel picker filters by a lower-cased name; an index on it keeps prefix search cheap.
CREATE INDEX slack_channel_live ON slack_channel (team_id, vanished_at, name);
CREATE INDEX slack_user_live ON slack_user (team_id, vanished_at, name);
