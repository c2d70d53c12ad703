"""Drives the Slack emulator with Slack's official Python SDK (slack_sdk), as an app would drive
Slack, and exits non-zero at the first answer the SDK would not get from Slack.

Run by tests/official_sdk.rs with the emulator's base URL as the only argument.
"""
import base64
import hashlib
import http.client
import json
import secrets
import sys
import urllib.parse
import urllib.request

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

BASE = sys.argv[1]
CHECKS = 0


def check(condition, what):
    global CHECKS
    if not condition:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    CHECKS += 1


def control(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, headers={"content-type": "application/json"})
    return json.load(urllib.request.urlopen(request))


def expect_error(code, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except SlackApiError as error:
        check(error.response["error"] == code, f"{call.__name__} fails with {code}, got {error.response['error']}")
        return error.response
    check(False, f"{call.__name__} should fail with {code}")


workspace = control("/_emulator/workspaces")["workspaces"][0]
client = WebClient(token=workspace["bot_token"], base_url=BASE + "/api/")
client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=10))

me = client.auth_test()
check(me["team_id"] == workspace["team_id"] and me["bot_id"], "auth.test names the team and the bot")
check("chat:write" in me.headers.get("x-oauth-scopes", ""), "X-OAuth-Scopes is sent")

names = []
for page in client.conversations_list(types="public_channel,private_channel", limit=7):
    names += [c["name"] for c in page["channels"]]
check("general" in names and "leadership" in names, "the SDK's paginator walks every page")
check(len(names) == len(set(names)), "no channel twice")
channels = {c["name"]: c["id"] for c in client.conversations_list(types="public_channel", limit=1000)["channels"]}

posted = client.chat_postMessage(
    channel=channels["general"],
    text="From Slack's Python SDK",
    blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*From the SDK*"}}],
    metadata={"event_type": "sdk_check", "event_payload": {"n": 1}},
)
check(posted["message"]["text"] == "From Slack's Python SDK", "chat.postMessage (JSON body) echoes the message")
history = client.conversations_history(channel=channels["general"], include_all_metadata=True, limit=1)
check(history["messages"][0]["metadata"]["event_type"] == "sdk_check", "metadata comes back with include_all_metadata")
updated = client.chat_update(channel=channels["general"], ts=posted["ts"], text="Edited by the SDK")
check(updated["text"] == "Edited by the SDK", "chat.update")
link = client.chat_getPermalink(channel=channels["general"], message_ts=posted["ts"])
check(link["permalink"].startswith("https://acme-studio.slack.com/archives/"), "chat.getPermalink")
client.chat_delete(channel=channels["general"], ts=posted["ts"])

joined = client.conversations_join(channel=channels["random"])
again = client.conversations_join(channel=channels["random"])
check(again.get("warning") == "already_in_channel", "the already_in_channel warning")

ada = client.users_lookupByEmail(email="ada@acme-studio.example")["user"]
check(ada["profile"]["email"] == "ada@acme-studio.example", "users.lookupByEmail")
check(client.users_info(user=ada["id"])["user"]["real_name"] == "Ada Okafor", "users.info")
members = [m for page in client.users_list(limit=5) for m in page["members"]]
check(any(m["deleted"] for m in members) and any(m["is_bot"] for m in members), "users.list pages")
dm = client.conversations_open(users=ada["id"])
check(dm["channel"]["id"].startswith("D"), "conversations.open")
team = client.team_info()
check(team["team"]["domain"] == "acme-studio", "team.info")

expect_error("channel_not_found", client.conversations_info, channel="C404")
expect_error("users_not_found", client.users_lookupByEmail, email="nobody@example.com")
expect_error("invalid_auth", WebClient(token="xoxb-nope", base_url=BASE + "/api/").auth_test)

# Rate limits: a burst to one channel meets 429s, which the SDK's handler waits out.
control("/_emulator/rate-limits", {"enabled": True})
for n in range(7):
    client.chat_postMessage(channel=channels["ops"], text=f"burst {n}")
check(control("/_emulator/stats")["total_rate_limited"] >= 1, "the burst met 429s and the SDK waited them out")

# OAuth with PKCE, approving the consent page as a browser does.
verifier = secrets.token_urlsafe(48)
challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
redirect = "http://localhost:8765/callback"
query = urllib.parse.urlencode({
    "client_id": workspace["client_id"], "user_scope": "chat:write,users:read", "redirect_uri": redirect,
    "state": "sdk", "code_challenge": challenge, "code_challenge_method": "S256",
})
parsed = urllib.parse.urlparse(BASE)
connection = http.client.HTTPConnection(parsed.hostname, parsed.port)
connection.request("POST", f"/oauth/v2/authorize?{query}", body=urllib.parse.urlencode({"decision": "allow", "team_id": workspace["team_id"]}),
                   headers={"content-type": "application/x-www-form-urlencoded"})
response = connection.getresponse()
check(response.status == 302, "consent redirects")
params = urllib.parse.parse_qs(urllib.parse.urlparse(response.getheader("location")).query)
check(params["state"] == ["sdk"], "state comes back")
oauth = WebClient(base_url=BASE + "/api/")
access = oauth.oauth_v2_access(client_id=workspace["client_id"], client_secret="", code=params["code"][0], redirect_uri=redirect, code_verifier=verifier)
user = access["authed_user"]
check(user["access_token"].startswith("xoxe.xoxp-") and user["expires_in"] == 43200, "a rotating user token")
refreshed = oauth.oauth_v2_access(client_id=workspace["client_id"], client_secret="", grant_type="refresh_token", refresh_token=user["refresh_token"])
check(refreshed["access_token"] != user["access_token"], "refresh rotates the token")
check(WebClient(token=refreshed["access_token"], base_url=BASE + "/api/").auth_test()["user_id"] == user["id"], "the new token works")

print(f"ok: {CHECKS} checks with slack_sdk")
