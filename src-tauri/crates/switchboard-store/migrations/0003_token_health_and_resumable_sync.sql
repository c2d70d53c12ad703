-- Issue 8: each token's health on its own, rotating bot tokens, and directory syncs that resume.

-- Why Slack refused each token (NULL: it works, or there is none). A workspace whose bot token
-- is refused but whose user token works stays usable for what the user token can do.
ALTER TABLE workspace ADD COLUMN bot_token_error TEXT;
ALTER TABLE workspace ADD COLUMN user_token_error TEXT;
-- A pasted bot token of an app with token rotation on (`xoxe.xoxb-…`) expires after 12 hours;
-- with its refresh token Switchboard renews it, without one the card warns before it stops.
ALTER TABLE workspace ADD COLUMN bot_token_rotates INTEGER NOT NULL DEFAULT 0
    CHECK (bot_token_rotates IN (0, 1));
ALTER TABLE workspace ADD COLUMN bot_token_expires_at INTEGER;
ALTER TABLE workspace ADD COLUMN bot_token_refreshable INTEGER NOT NULL DEFAULT 0
    CHECK (bot_token_refreshable IN (0, 1));

-- A directory sync in progress: where each list has got to, so an interrupted sync (quit,
-- crash, network loss) resumes from its last cursor. Deleted when the sync completes.
CREATE TABLE directory_sync (
    team_id          TEXT PRIMARY KEY REFERENCES workspace (team_id) ON DELETE CASCADE,
    started_at       INTEGER NOT NULL,
    channels_cursor  TEXT,
    channels_done    INTEGER NOT NULL DEFAULT 0 CHECK (channels_done IN (0, 1)),
    users_cursor     TEXT,
    users_done       INTEGER NOT NULL DEFAULT 0 CHECK (users_done IN (0, 1)),
    channels         INTEGER NOT NULL DEFAULT 0,
    users            INTEGER NOT NULL DEFAULT 0,
    pages            INTEGER NOT NULL DEFAULT 0,
    updated_at       INTEGER NOT NULL
) STRICT;

-- The picker and every directory query filter live rows (`slack_channel_live`: team_id,
-- vanished_at, name); the older index on (team_id, name) only made every synced row cost one
-- more B-tree insert.
DROP INDEX slack_channel_by_name;
