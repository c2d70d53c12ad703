-- Staff connections and direct messages (issue 10).
--
-- `staff` gains each member's working hours (direct messages that arrive outside them wait
-- for the next working period), what the last automatic link found for an unlinked member
-- (the "no Slack match" filter), and when the row last changed. Weekdays are a bit set,
-- Monday = 1 … Sunday = 64; hours are minutes after midnight in `work_time_zone`, or in the
-- member's Slack time zone when that is NULL.
ALTER TABLE staff ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE staff SET updated_at = created_at;
ALTER TABLE staff ADD COLUMN work_days INTEGER NOT NULL DEFAULT 31
    CHECK (work_days BETWEEN 0 AND 127);
ALTER TABLE staff ADD COLUMN work_start INTEGER NOT NULL DEFAULT 480
    CHECK (work_start BETWEEN 0 AND 1440);
ALTER TABLE staff ADD COLUMN work_end INTEGER NOT NULL DEFAULT 1080
    CHECK (work_end BETWEEN 0 AND 1440);
ALTER TABLE staff ADD COLUMN work_time_zone TEXT;
ALTER TABLE staff ADD COLUMN match_state TEXT
    CHECK (match_state IS NULL OR match_state IN ('no_email', 'no_match', 'several', 'deactivated'));
ALTER TABLE staff ADD COLUMN match_detail TEXT;
CREATE INDEX staff_by_name ON staff (name COLLATE NOCASE, id);
CREATE INDEX staff_by_manager ON staff (manager_id) WHERE manager_id IS NOT NULL;

-- Where a member's direct messages go: the app's DM with them (`dm_channel_id` caches what
-- `conversations.open` answered) or a channel they chose (`dm_channel_id` is that channel).
-- Who switched the connection last, and when, for the logo's tooltip.
ALTER TABLE staff_slack_link ADD COLUMN dm_choice TEXT NOT NULL DEFAULT 'app'
    CHECK (dm_choice IN ('app', 'channel'));
ALTER TABLE staff_slack_link ADD COLUMN dm_channel_name TEXT;
ALTER TABLE staff_slack_link ADD COLUMN switched_at INTEGER;
ALTER TABLE staff_slack_link ADD COLUMN switched_by TEXT;

-- A direct message names its recipient, for the member's message history and for holding
-- their messages while their connection is switched off.
ALTER TABLE outbox ADD COLUMN staff_id INTEGER REFERENCES staff (id) ON DELETE SET NULL;
-- An urgent direct message is not held for working hours, also when it is released later.
ALTER TABLE outbox ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1));
CREATE INDEX outbox_by_staff ON outbox (staff_id, id) WHERE staff_id IS NOT NULL;

-- An escalation rule may mark its messages urgent: they bypass working hours.
ALTER TABLE escalation_rule ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1));
