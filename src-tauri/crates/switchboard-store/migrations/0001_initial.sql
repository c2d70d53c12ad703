-- Switchboard's first schema: the whole domain model of design.md.
-- A shipped migration is never edited; later changes add a new file.
-- Times are Unix milliseconds (UTC). Tables are STRICT so a wrong type is an error, not a surprise.

-- Key/value settings of the console itself (Slack app settings, preferences).
CREATE TABLE app_setting (
    key         TEXT PRIMARY KEY NOT NULL,
    value_json  TEXT NOT NULL CHECK (json_valid(value_json)),
    updated_at  INTEGER NOT NULL
) STRICT;

-- A connected Slack workspace. Tokens are never stored here: they live in the OS keyring.
CREATE TABLE workspace (
    team_id               TEXT PRIMARY KEY NOT NULL CHECK (team_id GLOB '[TE]*'),
    name                  TEXT NOT NULL,
    domain                TEXT NOT NULL,
    icon_url              TEXT,
    has_bot_token         INTEGER NOT NULL DEFAULT 0 CHECK (has_bot_token IN (0, 1)),
    has_user_token        INTEGER NOT NULL DEFAULT 0 CHECK (has_user_token IN (0, 1)),
    bot_scopes            TEXT NOT NULL DEFAULT '',
    user_scopes           TEXT NOT NULL DEFAULT '',
    bot_user_id           TEXT,
    authed_user_id        TEXT,
    status                TEXT NOT NULL DEFAULT 'connected'
                          CHECK (status IN ('connected', 'needs_reconnect', 'disabled')),
    status_reason         TEXT,
    token_expires_at      INTEGER,
    refresh_expires_at    INTEGER,
    last_health_check_at  INTEGER,
    connected_by          TEXT,
    connected_at          INTEGER NOT NULL,
    is_demo               INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    updated_at            INTEGER NOT NULL
) STRICT;

-- Cached directory of each workspace's conversations, kept fresh by paginated sync.
CREATE TABLE slack_channel (
    team_id       TEXT NOT NULL REFERENCES workspace (team_id) ON DELETE CASCADE,
    channel_id    TEXT NOT NULL,
    name          TEXT NOT NULL,
    is_private    INTEGER NOT NULL DEFAULT 0 CHECK (is_private IN (0, 1)),
    is_archived   INTEGER NOT NULL DEFAULT 0 CHECK (is_archived IN (0, 1)),
    is_member     INTEGER NOT NULL DEFAULT 0 CHECK (is_member IN (0, 1)),
    member_count  INTEGER,
    topic         TEXT,
    last_seen_at  INTEGER NOT NULL,
    vanished_at   INTEGER,
    PRIMARY KEY (team_id, channel_id)
) STRICT;
CREATE INDEX slack_channel_by_name ON slack_channel (team_id, name);

-- Cached directory of each workspace's users.
CREATE TABLE slack_user (
    team_id       TEXT NOT NULL REFERENCES workspace (team_id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL,
    name          TEXT NOT NULL,
    real_name     TEXT,
    display_name  TEXT,
    email         TEXT,
    is_deleted    INTEGER NOT NULL DEFAULT 0 CHECK (is_deleted IN (0, 1)),
    is_bot        INTEGER NOT NULL DEFAULT 0 CHECK (is_bot IN (0, 1)),
    tz            TEXT,
    avatar_url    TEXT,
    last_seen_at  INTEGER NOT NULL,
    vanished_at   INTEGER,
    PRIMARY KEY (team_id, user_id)
) STRICT;
CREATE INDEX slack_user_by_email ON slack_user (team_id, email COLLATE NOCASE);

-- A Slack channel Switchboard posts to.
CREATE TABLE notification_channel (
    id          INTEGER PRIMARY KEY,
    team_id     TEXT NOT NULL REFERENCES workspace (team_id) ON DELETE CASCADE,
    channel_id  TEXT NOT NULL,
    label       TEXT,
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at  INTEGER NOT NULL,
    UNIQUE (team_id, channel_id)
) STRICT;

-- Per notification channel, which event kinds it receives.
CREATE TABLE notification_toggle (
    notification_channel_id  INTEGER NOT NULL REFERENCES notification_channel (id) ON DELETE CASCADE,
    event_kind               TEXT NOT NULL,
    enabled                  INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    PRIMARY KEY (notification_channel_id, event_kind)
) STRICT;

-- Projects of the business application.
CREATE TABLE project (
    id           INTEGER PRIMARY KEY,
    external_id  TEXT UNIQUE,
    name         TEXT NOT NULL CHECK (length(trim(name)) > 0),
    client_name  TEXT,
    archived     INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE project_channel (
    project_id               INTEGER NOT NULL REFERENCES project (id) ON DELETE CASCADE,
    notification_channel_id  INTEGER NOT NULL REFERENCES notification_channel (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, notification_channel_id)
) STRICT;

-- Staff members of the business application.
CREATE TABLE staff (
    id           INTEGER PRIMARY KEY,
    external_id  TEXT UNIQUE,
    name         TEXT NOT NULL CHECK (length(trim(name)) > 0),
    email        TEXT,
    role         TEXT NOT NULL DEFAULT 'staff' CHECK (role IN ('owner', 'admin', 'manager', 'staff')),
    manager_id   INTEGER REFERENCES staff (id) ON DELETE SET NULL,
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX staff_by_email ON staff (email COLLATE NOCASE);

-- A staff member's Slack identity in one workspace; `enabled` is the grey/colour logo.
CREATE TABLE staff_slack_link (
    staff_id       INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    team_id        TEXT NOT NULL REFERENCES workspace (team_id) ON DELETE CASCADE,
    slack_user_id  TEXT NOT NULL,
    dm_channel_id  TEXT,
    enabled        INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    linked_by      TEXT NOT NULL CHECK (linked_by IN ('email_match', 'manual', 'sign_in')),
    linked_at      INTEGER NOT NULL,
    PRIMARY KEY (staff_id, team_id),
    UNIQUE (team_id, slack_user_id)
) STRICT;

-- Message templates per purpose, with placeholders.
CREATE TABLE template (
    id          INTEGER PRIMARY KEY,
    purpose     TEXT NOT NULL,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    blocks_json TEXT CHECK (blocks_json IS NULL OR json_valid(blocks_json)),
    is_default  INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    updated_at  INTEGER NOT NULL,
    UNIQUE (purpose, name)
) STRICT;

-- Which escalation kinds go to the messenger (Slack), and to whom.
CREATE TABLE escalation_rule (
    id                       INTEGER PRIMARY KEY,
    kind                     TEXT NOT NULL CHECK (kind IN ('escalation.flextime', 'escalation.project')),
    to_messenger             INTEGER NOT NULL DEFAULT 1 CHECK (to_messenger IN (0, 1)),
    dm_staff                 INTEGER NOT NULL DEFAULT 0 CHECK (dm_staff IN (0, 1)),
    dm_manager               INTEGER NOT NULL DEFAULT 1 CHECK (dm_manager IN (0, 1)),
    dm_staff_id              INTEGER REFERENCES staff (id) ON DELETE SET NULL,
    post_to_project_channel  INTEGER NOT NULL DEFAULT 0 CHECK (post_to_project_channel IN (0, 1)),
    threshold_json           TEXT CHECK (threshold_json IS NULL OR json_valid(threshold_json)),
    updated_at               INTEGER NOT NULL
) STRICT;

-- Every event received, de-duplicated by its idempotency key.
CREATE TABLE event (
    id               INTEGER PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('ui', 'cli', 'ingest')),
    payload_json     TEXT NOT NULL CHECK (json_valid(payload_json)),
    project_id       INTEGER REFERENCES project (id) ON DELETE SET NULL,
    staff_id         INTEGER REFERENCES staff (id) ON DELETE SET NULL,
    received_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX event_by_time ON event (received_at);

-- One row per message to deliver. Written in the same transaction as the decision to send.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    event_id         INTEGER REFERENCES event (id) ON DELETE SET NULL,
    team_id          TEXT NOT NULL REFERENCES workspace (team_id),
    target_kind      TEXT NOT NULL CHECK (target_kind IN ('channel', 'dm')),
    target_id        TEXT NOT NULL,
    payload_json     TEXT NOT NULL CHECK (json_valid(payload_json)),
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'held')),
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    slack_channel_id TEXT,
    slack_ts         TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    sent_at          INTEGER
) STRICT;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

-- Who changed which setting, when, old and new value.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    old_value  TEXT,
    new_value  TEXT
) STRICT;
CREATE INDEX audit_log_by_time ON audit_log (at);
