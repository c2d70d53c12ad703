-- An event's rendered message is stored once (issue 9's ingest target). An event queued for
-- several channels of one workspace wrote the same Block Kit payload into every outbox row;
-- now the event keeps it (`event.message_json`) and its outbox rows for that workspace point at
-- it with a NULL `payload_json`. A row carries its own payload when it differs: another
-- workspace's time zone, a test message, a direct message.
--
-- Both tables are rebuilt (SQLite cannot drop a CHECK): the payloads are written by Switchboard
-- alone (serde), so `json_valid` no longer parses each of them again on insert. Migrations run
-- with foreign keys off (`Store::prepare`), so dropping the old tables cascades nowhere; the
-- references of `outbox`, `delivery_attempt` and `object_thread` name the tables, not their
-- storage, and find the rebuilt ones. `Store::prepare` runs `foreign_key_check` afterwards.

CREATE TABLE event_new (
    id               INTEGER PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('ui', 'cli', 'ingest')),
    payload_json     TEXT NOT NULL,
    project_id       INTEGER REFERENCES project (id) ON DELETE SET NULL,
    staff_id         INTEGER REFERENCES staff (id) ON DELETE SET NULL,
    received_at      INTEGER NOT NULL,
    occurred_at      INTEGER,
    project_key      TEXT,
    staff_email      TEXT,
    object_key       TEXT,
    routes_json      TEXT,
    -- The message rendered for the event, shared by its outbox rows whose payload is NULL.
    message_json     TEXT
) STRICT;
INSERT INTO event_new (id, idempotency_key, kind, source, payload_json, project_id, staff_id,
                       received_at, occurred_at, project_key, staff_email, object_key,
                       routes_json)
SELECT id, idempotency_key, kind, source, payload_json, project_id, staff_id, received_at,
       occurred_at, project_key, staff_email, object_key, routes_json
FROM event;
DROP TABLE event;
ALTER TABLE event_new RENAME TO event;
CREATE INDEX event_by_time ON event (received_at);
CREATE INDEX event_by_kind ON event (kind, received_at);

CREATE TABLE outbox_new (
    id                       INTEGER PRIMARY KEY,
    event_id                 INTEGER REFERENCES event (id) ON DELETE SET NULL,
    notification_channel_id  INTEGER REFERENCES notification_channel (id) ON DELETE SET NULL,
    team_id                  TEXT NOT NULL REFERENCES workspace (team_id),
    target_kind              TEXT NOT NULL CHECK (target_kind IN ('channel', 'dm')),
    target_id                TEXT NOT NULL,
    target_name              TEXT,
    -- NULL: the message is its event's `message_json`.
    payload_json             TEXT CHECK (payload_json IS NOT NULL OR event_id IS NOT NULL),
    thread_key               TEXT,
    state                    TEXT NOT NULL DEFAULT 'pending'
                             CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'held',
                                              'discarded')),
    hold_reason              TEXT,
    attempts                 INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at          INTEGER NOT NULL,
    error_code               TEXT,
    last_error               TEXT,
    slack_channel_id         TEXT,
    slack_ts                 TEXT,
    thread_ts                TEXT,
    permalink                TEXT,
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    sent_at                  INTEGER,
    check_first              INTEGER NOT NULL DEFAULT 0 CHECK (check_first IN (0, 1))
) STRICT;
INSERT INTO outbox_new (id, event_id, notification_channel_id, team_id, target_kind, target_id,
                        target_name, payload_json, thread_key, state, hold_reason, attempts,
                        next_attempt_at, error_code, last_error, slack_channel_id, slack_ts,
                        thread_ts, permalink, created_at, updated_at, sent_at, check_first)
SELECT id, event_id, notification_channel_id, team_id, target_kind, target_id, target_name,
       payload_json, thread_key, state, hold_reason, attempts, next_attempt_at, error_code,
       last_error, slack_channel_id, slack_ts, thread_ts, permalink, created_at, updated_at,
       sent_at, check_first
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_by_event ON outbox (event_id);
CREATE INDEX outbox_waiting ON outbox (team_id, target_id, id)
    WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_by_state ON outbox (state, id);
-- `outbox_by_target` (team, target, id over every state) is not rebuilt: the worker walks
-- `outbox_waiting`, and listing one channel's messages reads newest first by id.
