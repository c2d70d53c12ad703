-- What Slack sends over Socket Mode (issue 11). Every envelope is written here before it is
-- acknowledged, so none is lost to a crash or a reconnect between the ack and the work, and
-- one Slack delivers again (the same envelope id, or the same Events API event id in another
-- envelope) is handled once. `handled_at` is set when the work is done; `outcome` says what
-- came of it, for Activity.
CREATE TABLE inbound (
    id INTEGER PRIMARY KEY,
    envelope_id TEXT NOT NULL UNIQUE,
    event_id TEXT UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('events_api', 'interactive', 'slash_commands')),
    team_id TEXT,
    payload TEXT NOT NULL,
    retry_attempt INTEGER NOT NULL DEFAULT 0,
    received_at INTEGER NOT NULL,
    handled_at INTEGER,
    outcome TEXT
);
CREATE INDEX inbound_waiting ON inbound (id) WHERE handled_at IS NULL;
CREATE INDEX inbound_by_time ON inbound (received_at);
