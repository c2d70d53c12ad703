-- Delivery (issue 9): what the worker needs beyond the outbox of 0005.

-- A message whose last send may have reached Slack (a timeout, a cut connection, a crash
-- mid-send): before it is sent again, the channel's history is searched for it.
ALTER TABLE outbox ADD COLUMN check_first INTEGER NOT NULL DEFAULT 0 CHECK (check_first IN (0, 1));

-- The messages still to send, per channel in arrival order: the head of each channel's queue
-- is the lowest id here.
CREATE INDEX outbox_waiting ON outbox (team_id, target_id, id)
    WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_by_state ON outbox (state, id);

-- Which database a message in Slack came from: its metadata carries this with the outbox id,
-- so two Switchboard databases posting to one channel never mistake each other's messages.
INSERT INTO app_setting (key, value_json, updated_at)
VALUES ('outbox.instance', json_quote(lower(hex(randomblob(8)))), 0)
ON CONFLICT (key) DO NOTHING;
