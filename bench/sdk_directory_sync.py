"""Baseline for `make bench` (switchboard-core/benches/sync.rs): a directory sync the way a
script would write it with Slack's official Python SDK — `WebClient` paging
`conversations.list` and `users.list` (1,000 a page, one list after the other, as the SDK's
iterator does), each page upserted into SQLite with `executemany` in its own transaction.

Usage: sdk_directory_sync.py API_BASE TOKEN DB_PATH
Prints one JSON line: {"channels": N, "users": N, "requests": N, "seconds": S}.
"""

import json
import sqlite3
import sys
import time

from slack_sdk import WebClient


def main() -> None:
    api_base, token, db_path = sys.argv[1:4]
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS slack_channel (
            channel_id TEXT PRIMARY KEY, name TEXT NOT NULL, is_private INTEGER, is_archived INTEGER,
            is_member INTEGER, member_count INTEGER, topic TEXT, last_seen_at INTEGER);
        CREATE TABLE IF NOT EXISTS slack_user (
            user_id TEXT PRIMARY KEY, name TEXT, real_name TEXT, display_name TEXT, email TEXT,
            is_deleted INTEGER, is_bot INTEGER, tz TEXT, avatar_url TEXT, last_seen_at INTEGER);
        """
    )
    client = WebClient(token=token, base_url=api_base)
    started = time.monotonic()
    seen = int(time.time() * 1000)
    channels = users = requests = 0
    for page in client.conversations_list(
        types="public_channel,private_channel", exclude_archived=False, limit=1000
    ):
        requests += 1
        rows = [
            (
                c["id"], c["name"], int(c.get("is_private", False)), int(c.get("is_archived", False)),
                int(c.get("is_member", False)), c.get("num_members"),
                (c.get("topic") or {}).get("value"), seen,
            )
            for c in page["channels"]
            if c.get("name")
        ]
        with db:
            db.executemany(
                """INSERT INTO slack_channel VALUES (?,?,?,?,?,?,?,?)
                   ON CONFLICT (channel_id) DO UPDATE SET name=excluded.name,
                   is_private=excluded.is_private, is_archived=excluded.is_archived,
                   is_member=excluded.is_member, member_count=excluded.member_count,
                   topic=excluded.topic, last_seen_at=excluded.last_seen_at""",
                rows,
            )
        channels += len(rows)
    for page in client.users_list(limit=1000):
        requests += 1
        rows = []
        for u in page["members"]:
            p = u.get("profile") or {}
            rows.append(
                (
                    u["id"], u.get("name"), u.get("real_name") or p.get("real_name"),
                    p.get("display_name"), p.get("email"), int(u.get("deleted", False)),
                    int(u.get("is_bot", False)), u.get("tz"), p.get("image_72"), seen,
                )
            )
        with db:
            db.executemany(
                """INSERT INTO slack_user VALUES (?,?,?,?,?,?,?,?,?,?)
                   ON CONFLICT (user_id) DO UPDATE SET name=excluded.name,
                   real_name=excluded.real_name, display_name=excluded.display_name,
                   email=excluded.email, is_deleted=excluded.is_deleted, is_bot=excluded.is_bot,
                   tz=excluded.tz, avatar_url=excluded.avatar_url, last_seen_at=excluded.last_seen_at""",
                rows,
            )
        users += len(rows)
    seconds = time.monotonic() - started
    print(json.dumps({"channels": channels, "users": users, "requests": requests, "seconds": seconds}))


if __name__ == "__main__":
    main()
