"""Slack's official Socket Mode client (slack_sdk.socket_mode, the built-in WebSocket) against
the emulator: it connects with the app-level token, receives a slash command, a button click
and direct messages with and without a file, acknowledges each, gets an unacknowledged event
again with retry_attempt/retry_reason, and reconnects after a `disconnect` warning and after a
dropped socket.

Usage: socket_mode_check.py BASE_URL. Prints "ok: …" on success; exits non-zero at the first
answer Slack would not give.
"""

import json
import sys
import threading
import time
import urllib.request

from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

BASE = sys.argv[1].rstrip("/")


def control(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        BASE + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.loads(response.read())


def check(condition, what):
    if not condition:
        raise SystemExit(f"FAILED: {what}")


def wait_for(predicate, what, seconds=15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise SystemExit(f"FAILED: timed out waiting for {what}")


workspace = control("GET", "/_emulator/workspaces")["workspaces"][0]
team_id = workspace["team_id"]
app_token = workspace["app_token"]
check(app_token.startswith("xapp-1-"), f"an app-level token is listed: {app_token[:8]}")

# Somebody in the workspace who is not the bot, and a channel the bot is in.
bot = WebClient(token=workspace["bot_token"], base_url=BASE + "/api/")
people = [
    u
    for u in bot.users_list()["members"]
    if not u["is_bot"] and not u["deleted"] and u["id"] != "USLACKBOT"
]
person = people[0]["id"]
channel = next(
    c["id"] for c in bot.conversations_list(types="public_channel")["channels"] if c["is_member"]
)

# The app-level token is refused for other methods, and other tokens for apps.connections.open.
app_client = WebClient(token=app_token, base_url=BASE + "/api/")
try:
    app_client.auth_test()
    raise SystemExit("FAILED: auth.test accepted an app-level token")
except Exception as error:  # slack_sdk raises SlackApiError
    check("not_allowed_token_type" in str(error), f"auth.test with xapp: {error}")
try:
    bot.apps_connections_open(app_token=workspace["bot_token"])
    raise SystemExit("FAILED: apps.connections.open accepted a bot token")
except Exception as error:
    check("not_allowed_token_type" in str(error), f"apps.connections.open with xoxb: {error}")
url = app_client.apps_connections_open(app_token=app_token)["url"]
check(url.startswith("ws://") and "ticket=" in url, f"a WebSocket URL: {url}")

received = []
lock = threading.Lock()
# Texts of DMs whose first delivery is left unacknowledged. By text, not event id: the envelope
# may arrive before the control call that sent it has answered with its id.
skip_once = set()


def listener(client: SocketModeClient, req: SocketModeRequest):
    text = (req.payload.get("event") or {}).get("text")
    with lock:
        received.append(req)
        if text in skip_once and req.retry_attempt == 0:
            return
    payload = {"text": "got it"} if req.type == "slash_commands" else None
    client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id, payload=payload))


client = SocketModeClient(
    app_token=app_token, web_client=WebClient(base_url=BASE + "/api/"), ping_interval=1
)
client.socket_mode_request_listeners.append(listener)
client.connect()
wait_for(lambda: client.is_connected(), "the client to connect")


def kinds():
    with lock:
        return [r.type for r in received]


# A slash command: the ack's payload is what the person sees.
answer = control(
    "POST",
    "/_emulator/socket/slash-command",
    {"team_id": team_id, "user_id": person, "channel_id": channel, "command": "/switchboard", "text": "help"},
)
check(answer["ok"] and answer["response"] == {"text": "got it"}, f"slash command answered: {answer}")
command = [r for r in received if r.type == "slash_commands"][-1]
check(command.payload["command"] == "/switchboard" and command.payload["text"] == "help", "command fields")
check(command.payload["channel_id"] == channel and command.payload["user_id"] == person, "who and where")
check(command.accepts_response_payload is True, "slash commands accept a response payload")

# A button click on a message the bot posted.
posted = bot.chat_postMessage(
    channel=channel,
    text="Approve?",
    blocks=[
        {
            "type": "actions",
            "block_id": "decide",
            "elements": [
                {"type": "button", "action_id": "approve", "value": "req-1", "style": "primary",
                 "text": {"type": "plain_text", "text": "Approve"}}
            ],
        }
    ],
)
answer = control(
    "POST",
    "/_emulator/socket/block-action",
    {"team_id": team_id, "user_id": person, "channel_id": channel, "ts": posted["ts"],
     "action_id": "approve", "value": "req-1"},
)
check(answer["ok"], f"click acknowledged: {answer}")
click = [r for r in received if r.type == "interactive"][-1]
check(click.payload["type"] == "block_actions", "a block_actions payload")
action = click.payload["actions"][0]
check(action["action_id"] == "approve" and action["block_id"] == "decide" and action["value"] == "req-1", f"the action: {action}")
check(click.payload["container"]["message_ts"] == posted["ts"], "the container names the message")
check(click.accepts_response_payload is False, "interactive envelopes take no response payload")

# Direct messages, with and without a file.
plain = control("POST", "/_emulator/socket/dm", {"team_id": team_id, "user_id": person, "text": "hello"})
with_file = control(
    "POST", "/_emulator/socket/dm",
    {"team_id": team_id, "user_id": person, "text": "the receipt", "file_name": "receipt.pdf", "file_type": "pdf"},
)
wait_for(lambda: len([r for r in received if r.type == "events_api"]) >= 2, "two message.im events")
events = [r.payload for r in received if r.type == "events_api"]
by_id = {e["event_id"]: e for e in events}
check(by_id[plain["event_id"]]["event"]["channel_type"] == "im", "a DM event is channel_type im")
check(by_id[plain["event_id"]]["event"]["text"] == "hello", "the DM's text")
filed = by_id[with_file["event_id"]]["event"]
check(filed["subtype"] == "file_share" and filed["files"][0]["name"] == "receipt.pdf", f"the file: {filed}")
check(filed["files"][0]["mimetype"] == "application/pdf", "the file's type")
history = bot.conversations_history(channel=plain["channel"])["messages"]
check(any(m["ts"] == plain["ts"] for m in history), "the DM is in the conversation's history")

# An envelope left unacknowledged comes again, marked as a retry.
with lock:
    before = len(received)
skip_once.add("again")
retry = control("POST", "/_emulator/socket/dm", {"team_id": team_id, "user_id": person, "text": "again"})
wait_for(
    lambda: any(r.payload.get("event_id") == retry["event_id"] and r.retry_attempt == 1 for r in received[before:]),
    "the retry", seconds=10,
)
again = [r for r in received[before:] if r.payload.get("event_id") == retry["event_id"]]
check(again[0].retry_attempt == 0 and again[0].retry_reason == "", "a first delivery is attempt 0")
check(again[-1].retry_reason == "timeout", f"the retry's reason: {again[-1].retry_reason}")

# A `disconnect` warning: the SDK opens a new connection and keeps receiving.
warned = control("POST", "/_emulator/socket/drop", {"how": "warning", "after_ms": 2000})
check(warned["warned"] >= 1, f"the connection was warned: {warned}")
time.sleep(0.5)
after_warning = control("POST", "/_emulator/socket/dm", {"team_id": team_id, "user_id": person, "text": "after warning"})
wait_for(lambda: any(r.payload.get("event_id") == after_warning["event_id"] for r in received), "an event after the warning")

# A dropped socket: the SDK reconnects; the event sent meanwhile arrives.
control("POST", "/_emulator/socket/drop", {"how": "close"})
after_drop = control("POST", "/_emulator/socket/dm", {"team_id": team_id, "user_id": person, "text": "after drop"})
wait_for(lambda: any(r.payload.get("event_id") == after_drop["event_id"] for r in received), "an event after the drop", seconds=20)

stats = control("GET", "/_emulator/stats")["socket"]
check(stats["lost"] == 0, f"nothing lost: {stats}")
client.close()
print(f"ok: {len(received)} envelopes received and acknowledged over {stats['opened']} connections ({', '.join(sorted(set(kinds())))})")
