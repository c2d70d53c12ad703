-- The directory cache is clustered on its primary key (WITHOUT ROWID): every synced row is one
-- B-tree insert fewer (no separate rowid table behind the (team_id, id) index), which is most
-- of a large sync's write cost. Nothing refers to these tables' rowids.
--
-- Channels lose their name index too: the picker searches an in-memory index built once from
-- all live rows (sorting 100,000 names costs less than keeping a second B-tree in order on
-- every synced row), and the counts read the team's rows in key order. Users keep theirs:
-- linking staff looks people up by email, and their picker pages by name.
CREATE TABLE slack_channel_new (
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
) STRICT, WITHOUT ROWID;
INSERT INTO slack_channel_new SELECT team_id, channel_id, name, is_private, is_archived, is_member,
    member_count, topic, last_seen_at, vanished_at FROM slack_channel;
DROP TABLE slack_channel;
ALTER TABLE slack_channel_new RENAME TO slack_channel;

CREATE TABLE slack_user_new (
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
) STRICT, WITHOUT ROWID;
INSERT INTO slack_user_new SELECT team_id, user_id, name, real_name, display_name, email,
    is_deleted, is_bot, tz, avatar_url, last_seen_at, vanished_at FROM slack_user;
DROP TABLE slack_user;
ALTER TABLE slack_user_new RENAME TO slack_user;
CREATE INDEX slack_user_by_email ON slack_user (team_id, email COLLATE NOCASE);
CREATE INDEX slack_user_live ON slack_user (team_id, vanished_at, name);
