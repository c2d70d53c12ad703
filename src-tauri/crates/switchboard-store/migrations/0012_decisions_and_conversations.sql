-- Slack talks back (issue 11): approvals decided with buttons, the business application told
-- through a webhook in the outbox, and what staff write to the app kept as conversations.

-- An approval request's decision, made by its approver with a button in Slack: one per request
-- (a second click finds it). `channel_id`/`message_ts` is the message that carried the
-- buttons; the update that shows the decision there instead, and the webhook call, are outbox
-- rows of the request's event written in the same transaction.
CREATE TABLE decision (
    id                  INTEGER PRIMARY KEY,
    event_id            INTEGER NOT NULL UNIQUE REFERENCES event (id) ON DELETE CASCADE,
    decision            TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
    reason              TEXT,
    team_id             TEXT NOT NULL,
    slack_user_id       TEXT NOT NULL,
    staff_id            INTEGER REFERENCES staff (id) ON DELETE SET NULL,
    decided_by          TEXT NOT NULL,
    decided_at          INTEGER NOT NULL,
    channel_id          TEXT NOT NULL,
    message_ts          TEXT NOT NULL
) STRICT;
CREATE INDEX decision_by_time ON decision (decided_at, id);

-- A message a linked staff member wrote to the app (1:1), with its files as Slack described
-- them (`[{"name", "size", "filetype", "mimetype", "accepted"}]`); `read_at` is set when a
-- manager opens the conversation.
CREATE TABLE staff_message (
    id             INTEGER PRIMARY KEY,
    staff_id       INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    team_id        TEXT NOT NULL,
    slack_user_id  TEXT NOT NULL,
    channel_id     TEXT NOT NULL,
    ts             TEXT NOT NULL,
    text           TEXT NOT NULL,
    files_json     TEXT,
    received_at    INTEGER NOT NULL,
    read_at        INTEGER,
    UNIQUE (team_id, channel_id, ts)
) STRICT;
CREATE INDEX staff_message_by_staff ON staff_message (staff_id, id);
CREATE INDEX staff_message_unread ON staff_message (staff_id) WHERE read_at IS NULL;

-- The outbox also carries webhook calls to the business application (`target_kind =
-- 'webhook'`, lane `team_id` + `target_id = 'decisions'`, the JSON body as `payload_json`) and
-- changes to a posted message (`update`: `chat.update` of the message in channel `target_id`,
-- `payload_json` holding `channel`, `ts`, `text` and `blocks`): the same retries, leases and
-- Activity lines as messages. A CHECK cannot be altered, so the table is rebuilt with every
-- row, column and index.
CREATE TABLE outbox_new (
    id                       INTEGER PRIMARY KEY,
    event_id                 INTEGER REFERENCES event (id) ON DELETE SET NULL,
    notification_channel_id  INTEGER REFERENCES notification_channel (id) ON DELETE SET NULL,
    team_id                  TEXT NOT NULL REFERENCES workspace (team_id),
    target_kind              TEXT NOT NULL
                             CHECK (target_kind IN ('channel', 'dm', 'webhook', 'update')),
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
    check_first              INTEGER NOT NULL DEFAULT 0 CHECK (check_first IN (0, 1)),
    staff_id                 INTEGER REFERENCES staff (id) ON DELETE SET NULL,
    urgent                   INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1))
) STRICT;
INSERT INTO outbox_new (id, event_id, notification_channel_id, team_id, target_kind, target_id,
                        target_name, payload_json, thread_key, state, hold_reason, attempts,
                        next_attempt_at, error_code, last_error, slack_channel_id, slack_ts,
                        thread_ts, permalink, created_at, updated_at, sent_at, check_first,
                        staff_id, urgent)
SELECT id, event_id, notification_channel_id, team_id, target_kind, target_id, target_name,
       payload_json, thread_key, state, hold_reason, attempts, next_attempt_at, error_code,
       last_error, slack_channel_id, slack_ts, thread_ts, permalink, created_at, updated_at,
       sent_at, check_first, staff_id, urgent
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_by_event ON outbox (event_id);
CREATE INDEX outbox_waiting ON outbox (team_id, target_id, id)
    WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_by_state ON outbox (state, id);
CREATE INDEX outbox_by_staff ON outbox (staff_id, id) WHERE staff_id IS NOT NULL;
