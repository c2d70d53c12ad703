-- A notification channel's id is never given to another channel (AUTOINCREMENT). Routing
-- decisions name the channel that skipped an event by its id alone (0007): with ids reused, a
-- channel removed and another added would take over the first one's history in Activity.
-- The counter starts above every id in use or named by a stored decision. Rebuilt with foreign
-- keys off (`Store::prepare`); the toggles, project channels and messages that refer to it
-- keep their ids.

CREATE TABLE notification_channel_new (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id            TEXT NOT NULL REFERENCES workspace (team_id) ON DELETE CASCADE,
    channel_id         TEXT NOT NULL,
    label              TEXT,
    enabled            INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at         INTEGER NOT NULL,
    thread_per_object  INTEGER NOT NULL DEFAULT 1 CHECK (thread_per_object IN (0, 1)),
    is_default         INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    channel_name       TEXT,
    updated_at         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (team_id, channel_id)
) STRICT;
INSERT INTO notification_channel_new (id, team_id, channel_id, label, enabled, created_at,
                                      thread_per_object, is_default, channel_name, updated_at)
SELECT id, team_id, channel_id, label, enabled, created_at, thread_per_object, is_default,
       channel_name, updated_at
FROM notification_channel;
DROP TABLE notification_channel;
ALTER TABLE notification_channel_new RENAME TO notification_channel;
CREATE UNIQUE INDEX notification_channel_one_default ON notification_channel (team_id)
    WHERE is_default = 1;

INSERT INTO sqlite_sequence (name, seq)
SELECT 'notification_channel', 0
WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'notification_channel');
UPDATE sqlite_sequence SET seq = max(
    seq,
    coalesce((SELECT max(id) FROM notification_channel), 0),
    coalesce((SELECT max(notification_channel_id) FROM outbox), 0),
    coalesce((SELECT max(CAST(json_extract(j.value, '$.n') AS INTEGER))
              FROM event, json_each(event.routes_json) j
              WHERE event.routes_json IS NOT NULL), 0),
    coalesce((SELECT max(CAST(n.value AS INTEGER))
              FROM event, json_each(event.routes_json) j, json_each(j.value, '$.ns') n
              WHERE event.routes_json IS NOT NULL), 0)
)
WHERE name = 'notification_channel';
