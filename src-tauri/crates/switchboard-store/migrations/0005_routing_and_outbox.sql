-- Routing, the outbox and its delivery record (issue 9).

-- A notification channel: whether updates about one business object share a thread, whether it
-- is its workspace's default (it catches kinds no channel of the workspace takes), and the
-- channel's name when it was added (shown if the directory no longer lists it).
ALTER TABLE notification_channel ADD COLUMN thread_per_object INTEGER NOT NULL DEFAULT 1
    CHECK (thread_per_object IN (0, 1));
ALTER TABLE notification_channel ADD COLUMN is_default INTEGER NOT NULL DEFAULT 0
    CHECK (is_default IN (0, 1));
ALTER TABLE notification_channel ADD COLUMN channel_name TEXT;
ALTER TABLE notification_channel ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX notification_channel_one_default ON notification_channel (team_id)
    WHERE is_default = 1;

-- A project has at most one channel (as zistemo: "each project shows its channel").
CREATE UNIQUE INDEX project_channel_one_per_project ON project_channel (project_id);
ALTER TABLE project ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX project_by_name ON project (name COLLATE NOCASE);

-- An event as it was sent: when it happened, the project and staff member it names, and the
-- business object whose thread its messages join.
ALTER TABLE event ADD COLUMN occurred_at INTEGER;
ALTER TABLE event ADD COLUMN project_key TEXT;
ALTER TABLE event ADD COLUMN staff_email TEXT;
ALTER TABLE event ADD COLUMN object_key TEXT;
CREATE INDEX event_by_kind ON event (kind, received_at);

-- Nothing was ever written to the outbox before this migration: it is rebuilt with the states
-- delivery needs (`discarded`), the channel it serves, the thread it joins and Slack's answer.
DROP TABLE outbox;
CREATE TABLE outbox (
    id                       INTEGER PRIMARY KEY,
    event_id                 INTEGER REFERENCES event (id) ON DELETE SET NULL,
    notification_channel_id  INTEGER REFERENCES notification_channel (id) ON DELETE SET NULL,
    team_id                  TEXT NOT NULL REFERENCES workspace (team_id),
    target_kind              TEXT NOT NULL CHECK (target_kind IN ('channel', 'dm')),
    target_id                TEXT NOT NULL,
    target_name              TEXT,
    payload_json             TEXT NOT NULL CHECK (json_valid(payload_json)),
    -- The business object (`invoice:1042`) whose thread the message joins, when threaded.
    thread_key               TEXT,
    state                    TEXT NOT NULL DEFAULT 'pending'
                             CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'held',
                                              'discarded')),
    -- Why a held message waits: `integration_off`, `needs_reconnect`.
    hold_reason              TEXT,
    attempts                 INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at          INTEGER NOT NULL,
    -- Slack's error code and the sentence (with its fix) a person reads.
    error_code               TEXT,
    last_error               TEXT,
    slack_channel_id         TEXT,
    slack_ts                 TEXT,
    thread_ts                TEXT,
    permalink                TEXT,
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    sent_at                  INTEGER
) STRICT;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_by_target ON outbox (team_id, target_id, id);
CREATE INDEX outbox_by_event ON outbox (event_id);

-- Where routing sent an event, and where it did not and why: one row per channel considered.
CREATE TABLE event_route (
    event_id                 INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    seq                      INTEGER NOT NULL,
    notification_channel_id  INTEGER REFERENCES notification_channel (id) ON DELETE SET NULL,
    team_id                  TEXT,
    channel_id               TEXT,
    channel_name             TEXT,
    outcome                  TEXT NOT NULL CHECK (outcome IN ('queued', 'held', 'skipped')),
    reason                   TEXT NOT NULL,
    outbox_id                INTEGER REFERENCES outbox (id) ON DELETE SET NULL,
    PRIMARY KEY (event_id, seq)
) STRICT;
CREATE INDEX event_route_by_channel ON event_route (notification_channel_id, event_id);

-- Each attempt to deliver a message: when, what happened, how long delivery then waited.
CREATE TABLE delivery_attempt (
    outbox_id    INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    attempt      INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    outcome      TEXT NOT NULL CHECK (outcome IN ('sent', 'found', 'retry', 'held', 'failed')),
    error_code   TEXT,
    error        TEXT,
    wait_ms      INTEGER,
    PRIMARY KEY (outbox_id, attempt)
) STRICT;

-- The Slack thread of each business object in each channel: the first message about the
-- object starts it; later ones reply in it.
CREATE TABLE object_thread (
    team_id      TEXT NOT NULL,
    channel_id   TEXT NOT NULL,
    object_key   TEXT NOT NULL,
    thread_ts    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (team_id, channel_id, object_key)
) STRICT, WITHOUT ROWID;
