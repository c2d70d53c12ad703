-- Routing decisions move onto their event as one JSON array (issue 9's ingest target): an
-- event considered by 30 channels wrote 30 indexed rows before, most of them "skipped: kind
-- off"; now it writes one column. Each decision: {"n": notification channel id, "t": team id,
-- "c": channel id, "name": channel name, "o": queued|held|skipped, "r": reason code}. The
-- message a queued decision made is the outbox row with the same event and channel.
-- Written by Switchboard alone (serde), so it carries no json_valid check: that check parsed
-- every array again on each insert.
ALTER TABLE event ADD COLUMN routes_json TEXT;

UPDATE event SET routes_json = (
    SELECT json_group_array(json_object('n', r.notification_channel_id, 't', r.team_id,
                                        'c', r.channel_id, 'name', r.channel_name,
                                        'o', r.outcome, 'r', r.reason))
    FROM (SELECT * FROM event_route WHERE event_route.event_id = event.id ORDER BY seq) r
)
WHERE EXISTS (SELECT 1 FROM event_route WHERE event_route.event_id = event.id);

DROP TABLE event_route;

-- Nothing looks messages up by (state, next attempt) since the worker walks each channel's
-- queue (`outbox_waiting`); one index fewer to write for every message queued.
DROP INDEX outbox_due;
