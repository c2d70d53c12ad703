#!/usr/bin/env python3
"""A stand-in for a person at the Slack emulator's consent page, used as SWITCHBOARD_URL_OPENER
by the end-to-end tests (no desktop browser runs there). It loads the authorize URL it is given,
picks the workspace already selected on the page (or the one named by SWITCHBOARD_CONSENT_TEAM,
a team name) and the person selected as signed in (the emulator's POST /_emulator/browser picks
them), clicks Allow, and follows Slack's redirect to Switchboard's loopback listener.
Only the emulator's page is understood; this is not a general browser."""

import html.parser
import os
import sys
import urllib.parse
import urllib.request


class ConsentPage(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.teams = []  # (team_id, checked, label)
        self._radio = None
        self.action = None
        self.person = None  # the user_id selected as "Signed in as"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = a.get("action")
        if tag == "input" and a.get("type") == "radio" and a.get("name") == "team_id":
            self._radio = [a.get("value"), "checked" in a, ""]
            self.teams.append(self._radio)
        if tag == "option" and "selected" in a and self.person is None:
            self.person = a.get("value")

    def handle_data(self, data):
        if self._radio is not None:
            self._radio[2] += data

    def handle_endtag(self, tag):
        if tag == "label":
            self._radio = None


def main():
    url = sys.argv[1]
    with urllib.request.urlopen(url, timeout=20) as response:
        page = ConsentPage()
        page.feed(response.read().decode("utf-8"))
    wanted = os.environ.get("SWITCHBOARD_CONSENT_TEAM", "")
    team = next((t for t in page.teams if wanted and wanted in t[2]), None)
    team = team or next((t for t in page.teams if t[1]), None) or (page.teams[0] if page.teams else None)
    if team is None:
        sys.exit(f"consent.py: no workspace to choose on {url}")
    target = urllib.parse.urljoin(url, page.action) if page.action else url
    form = {"decision": "allow", "team_id": team[0]}
    if page.person and team[1]:
        form["user_id"] = page.person
    body = urllib.parse.urlencode(form).encode()
    # urllib follows the 302 to http://localhost:PORT/callback?code=…&state=… with a GET.
    with urllib.request.urlopen(urllib.request.Request(target, data=body), timeout=20) as response:
        response.read()


if __name__ == "__main__":
    main()
