// The Activity view over 100,000 events, with Tauri's `invoke` answered by a fake backend that
// pages, filters, retries and discards the way the Rust commands do: only the rows in view
// exist in the page, scrolling fetches the next page by `before`, the filters reach the
// command, one click on a row says why each channel got the event or not, and Rust's change
// announcements bring new events in without moving what the person reads.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";

const backend = vi.hoisted(() => {
  const BASE = Date.now();
  type Filter = {
    state: string | null;
    kinds: string[];
    channel: number | null;
    since: number | null;
    until: number | null;
    before: number | null;
    limit: number;
  };
  const state = {
    /** Events 1…total exist; `added` more arrive above them. */
    total: 100_000,
    added: 0,
    failTimeline: false,
    /** Outbox states changed by Retry and Discard, by outbox id. */
    outbox: new Map<number, string>(),
    timelineCalls: [] as Filter[],
    storyCalls: [] as number[],
    retried: [] as number[],
    discarded: [] as number[],
  };

  // Every event goes to #sales (every seventh failed there after three attempts) and is
  // skipped by #ops, where its kind is switched off. Even ids are invoices, odd ones timers.
  function entry(id: number) {
    const invoice = id % 2 === 0;
    const kind = invoice ? "invoice.sent" : "timer.started";
    const salesOutbox = id * 10 + 1;
    const initial = id % 7 === 0 ? "failed" : "sent";
    const sales = state.outbox.get(salesOutbox) ?? initial;
    const receivedAt = BASE - (100_000 - id) * 60_000;
    return {
      eventId: id,
      id: `evt-${id}`,
      kind,
      kindLabel: invoice ? "An invoice is sent" : "A timer is started",
      group: invoice ? "Invoices" : "Time tracking",
      source: "ingest",
      summary: invoice ? `Invoice ${id} for Globex GmbH was sent` : `Timer started on Website ${id}`,
      occurredAt: receivedAt - 1000,
      receivedAt,
      lines: [
        {
          channel: "#sales",
          channelId: "C1",
          teamId: "T1",
          notificationChannelId: 1,
          state: sales,
          reason: "kind_on",
          sentence:
            sales === "failed"
              ? "Switchboard is not in #sales: invite it with /invite @Switchboard."
              : `${kind} is switched on in #sales.`,
          outboxId: salesOutbox,
          attempts: initial === "failed" ? 3 : 1,
          permalink: sales === "sent" ? `https://acme.slack.com/archives/C1/p${id}` : null,
          updatedAt: receivedAt + 500,
          nextAttemptAt: sales === "pending" ? BASE + 30_000 : null,
        },
        {
          channel: "#ops",
          channelId: "C2",
          teamId: "T1",
          notificationChannelId: 2,
          state: "skipped",
          reason: "kind_off",
          sentence: `${kind} is switched off in #ops: switch it on for that channel to receive it there.`,
          outboxId: null,
          attempts: 0,
          permalink: null,
          updatedAt: null,
          nextAttemptAt: null,
        },
      ],
    };
  }
  type Entry = ReturnType<typeof entry>;

  function matches(e: Entry, f: Filter): boolean {
    if (f.state !== null && !e.lines.some((l) => l.state === f.state)) return false;
    const group = e.group.toLowerCase().replace(/ /g, "_");
    if (f.kinds.length > 0 && !f.kinds.includes(e.kind) && !f.kinds.includes(group)) return false;
    if (f.channel !== null && !e.lines.some((l) => l.notificationChannelId === f.channel)) return false;
    if (f.until !== null && e.receivedAt >= f.until) return false;
    return true;
  }

  function timeline(f: Filter) {
    const top = state.total + state.added;
    const entries: Entry[] = [];
    for (let id = Math.min(top, (f.before ?? top + 1) - 1); id >= 1 && entries.length < f.limit; id--) {
      const e = entry(id);
      // Newest first: once one is older than `since`, so are the rest.
      if (f.since !== null && e.receivedAt < f.since) break;
      if (matches(e, f)) entries.push(e);
    }
    return { entries, next: entries.length === f.limit ? entries[entries.length - 1]!.eventId : null };
  }

  function story(eventId: number) {
    const e = entry(eventId);
    const at = e.receivedAt;
    const messages = e.lines
      .filter((l) => l.outboxId !== null)
      .map((l) => ({
        outboxId: l.outboxId!,
        target: l.channel,
        state: l.state,
        holdReason: null,
        error: l.state === "failed" ? l.sentence : null,
        threadKey: `invoice:${eventId}`,
        permalink: l.permalink,
        createdAt: at,
        sentAt: l.state === "sent" ? at + 400 : null,
        attempts:
          eventId % 7 === 0
            ? [
                { attempt: 1, startedAt: at + 100, finishedAt: at + 400, outcome: "retry", errorCode: "ratelimited", error: "Slack asked Switchboard to slow down.", waitMs: 2000 },
                { attempt: 2, startedAt: at + 2400, finishedAt: at + 2700, outcome: "retry", errorCode: "ratelimited", error: "Slack asked Switchboard to slow down.", waitMs: 4000 },
                { attempt: 3, startedAt: at + 6700, finishedAt: at + 7000, outcome: "failed", errorCode: "not_in_channel", error: "Switchboard is not in #sales: invite it with /invite @Switchboard.", waitMs: null },
              ]
            : [{ attempt: 1, startedAt: at + 100, finishedAt: at + 400, outcome: "sent", errorCode: null, error: null, waitMs: null }],
      }));
    return {
      entry: e,
      eventJson: JSON.stringify({ id: e.id, kind: e.kind, data: { number: String(eventId), client: "Globex GmbH" } }, null, 2),
      messages,
    };
  }

  const invoke = async (command: string, args?: Record<string, unknown>) => {
    switch (command) {
      case "timeline": {
        const filter = args?.filter as Filter;
        state.timelineCalls.push(filter);
        if (state.failTimeline) throw { code: "storage", message: "The database is locked." };
        if (filter.channel === 3) return { entries: [], next: null };
        return timeline(filter);
      }
      case "event_story":
        state.storyCalls.push(Number(args?.eventId));
        return story(Number(args?.eventId));
      case "retry_message":
        state.retried.push(Number(args?.id));
        state.outbox.set(Number(args?.id), "pending");
        return null;
      case "discard_message":
        state.discarded.push(Number(args?.id));
        state.outbox.set(Number(args?.id), "discarded");
        return null;
      case "notification_channels":
        return [
          { id: 1, teamId: "T1", workspaceName: "Acme", channelId: "C1", name: "sales", isPrivate: false, isArchived: false, isMember: true, enabled: true, threadPerObject: true, isDefault: false, kinds: ["invoice.sent"] },
          { id: 2, teamId: "T1", workspaceName: "Acme", channelId: "C2", name: "ops", isPrivate: false, isArchived: false, isMember: true, enabled: true, threadPerObject: false, isDefault: false, kinds: [] },
          { id: 3, teamId: "T1", workspaceName: "Acme", channelId: "C3", name: "quiet", isPrivate: false, isArchived: false, isMember: true, enabled: false, threadPerObject: false, isDefault: false, kinds: [] },
        ];
      case "ingest_settings":
        return { tokenExists: false, tokenCreatedAt: null, port: 17823, listening: "http://127.0.0.1:17823", problem: null };
      default:
        throw { code: "invalid_input", message: `no command ${command}` };
    }
  };
  return { state, invoke };
});

vi.mock("@tauri-apps/api/core", () => ({ invoke: backend.invoke, Channel: class {} }));
vi.mock("@tauri-apps/api/event", () => ({}));

import ActivityView from "./ActivityView.svelte";
import { consoleState } from "../lib/app.svelte";
import { changes } from "../lib/events.svelte";

const rows = () => [...document.querySelectorAll<HTMLElement>("[data-testid='timeline-entry']")];
const row = (eventId: number) => {
  const found = rows().find((r) => r.dataset.eventId === String(eventId));
  if (!found) throw new Error(`event ${eventId} is not in the page`);
  return found;
};
const lastFilter = () => backend.state.timelineCalls[backend.state.timelineCalls.length - 1]!;
/** The rows' height, read from the page rather than assumed. */
const rowHeight = () => parseFloat(rows()[1]!.style.top) - parseFloat(rows()[0]!.style.top);

beforeEach(() => {
  backend.state.total = 100_000;
  backend.state.added = 0;
  backend.state.failTimeline = false;
  backend.state.outbox.clear();
  backend.state.timelineCalls = [];
  backend.state.storyCalls = [];
  backend.state.retried = [];
  backend.state.discarded = [];
  consoleState.catalogue = [
    { id: "timer.started", group: "Time tracking", label: "A timer is started", routing: "project_and_toggled_channels" },
    { id: "invoice.sent", group: "Invoices", label: "An invoice is sent", routing: "toggled_channels" },
  ];
  consoleState.overview = null;
  history.replaceState(null, "", "#/activity");
});
afterEach(() => cleanup());

describe("the Activity view", () => {
  it("shows 100,000 events as a virtualised list and fetches older pages as it scrolls", async () => {
    render(ActivityView, { onnavigate: vi.fn() });
    await waitFor(() => expect(rows().length).toBeGreaterThan(5));
    expect(rows().length, "only the rows in view, plus a margin, are in the page").toBeLessThan(40);
    expect(backend.state.timelineCalls[0], "the first page is the newest 200").toMatchObject({
      before: null,
      limit: 200,
      state: null,
      kinds: [],
      channel: null,
      since: null,
    });

    const top = rows()[0]!;
    expect(top.dataset.eventId).toBe("100000");
    expect(top.dataset.kind).toBe("invoice.sent");
    expect(top.textContent).toContain("Invoice 100000 for Globex GmbH was sent");
    const chips = [...top.querySelectorAll<HTMLElement>("[data-testid='timeline-line']")];
    expect(chips.map((c) => [c.dataset.channel, c.dataset.state])).toEqual([
      ["#sales", "sent"],
      ["#ops", "skipped"],
    ]);
    expect(chips[0]!.querySelector("a")?.getAttribute("href"), "a sent message links to Slack").toBe(
      "https://acme.slack.com/archives/C1/p100000",
    );
    expect(chips[1]!.getAttribute("title"), "the chip says why on hover").toContain("switched off in #ops");
    // A failed message comes first in its row and counts its attempts.
    const failed = row(99995).querySelector<HTMLElement>("[data-testid='timeline-line']")!;
    expect(failed.dataset.state).toBe("failed");
    expect(failed.textContent).toContain("3 tries");
    expect(screen.getByTestId("timeline-count").textContent).toContain("newest 200 events");

    const list = screen.getByTestId("timeline");
    const height = rowHeight();
    list.scrollTop = height * 180;
    await fireEvent.scroll(list);
    await waitFor(() =>
      expect(backend.state.timelineCalls.some((f) => f.before === 99801), "the next page starts below the last loaded event").toBe(true),
    );
    await waitFor(() => expect(screen.getByTestId("timeline-count").textContent).toContain("newest 400 events"));

    list.scrollTop = height * 390;
    await fireEvent.scroll(list);
    await waitFor(() => expect(row(100_000 - 390)).toBeTruthy());
    expect(rows().length, "deep in the list, still only the rows in view").toBeLessThan(40);
    expect(rows().some((r) => r.dataset.eventId === "100000"), "rows scrolled past leave the page").toBe(false);
  });

  it("moves between rows with the arrow keys", async () => {
    render(ActivityView, { onnavigate: vi.fn() });
    await waitFor(() => expect(rows().length).toBeGreaterThan(5));
    const button = rows()[0]!.querySelector<HTMLButtonElement>("button.open")!;
    button.focus();
    await fireEvent.keyDown(button, { key: "ArrowDown" });
    await waitFor(() =>
      expect(document.activeElement?.closest<HTMLElement>("[data-testid='timeline-entry']")?.dataset.eventId).toBe("99999"),
    );
    await fireEvent.keyDown(document.activeElement!, { key: "End" });
    await waitFor(() =>
      expect(document.activeElement?.closest<HTMLElement>("[data-testid='timeline-entry']")?.dataset.eventId, "End reaches the last loaded event").toBe("99801"),
    );
  });

  it("filters by state, kind, channel and time, and clears the filters", async () => {
    render(ActivityView, { onnavigate: vi.fn() });
    await waitFor(() => expect(rows().length).toBeGreaterThan(5));

    await fireEvent.change(screen.getByTestId("filter-state"), { target: { value: "failed" } });
    await waitFor(() => expect(rows()[0]?.dataset.eventId).toBe("99995"));
    expect(lastFilter()).toMatchObject({ state: "failed", kinds: [], before: null });
    for (const r of rows()) {
      expect(r.querySelector("[data-testid='timeline-line'][data-state='failed']"), `event ${r.dataset.eventId} has a failed message`).not.toBeNull();
    }

    const kinds = screen.getByTestId("filter-kind");
    expect(within(kinds).getByRole("option", { name: "All invoices" }).getAttribute("value"), "a whole group is one choice").toBe("invoices");
    await fireEvent.change(kinds, { target: { value: "invoices" } });
    await waitFor(() => expect(rows()[0]?.dataset.eventId).toBe("99988"));
    expect(lastFilter()).toMatchObject({ state: "failed", kinds: ["invoices"] });
    expect(rows().every((r) => r.dataset.kind === "invoice.sent")).toBe(true);

    const channel = screen.getByTestId("filter-channel");
    await waitFor(() => expect(within(channel).getByRole("option", { name: "#quiet (disabled)" })).toBeTruthy());
    await fireEvent.change(channel, { target: { value: "3" } });
    const list = screen.getByTestId("timeline");
    await within(list).findByText("No events match these filters.");
    expect(lastFilter().channel, "the channel filter passes the notification channel's id").toBe(3);

    await fireEvent.click(within(list).getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(rows()[0]?.dataset.eventId).toBe("100000"));
    expect(lastFilter()).toMatchObject({ state: null, kinds: [], channel: null, since: null, until: null });
    expect((screen.getByTestId("filter-state") as HTMLSelectElement).value).toBe("");

    await fireEvent.change(screen.getByTestId("filter-time"), { target: { value: "day" } });
    await waitFor(() => expect(lastFilter().since).not.toBeNull());
    expect(Math.abs(lastFilter().since! - (Date.now() - 86_400_000)), "the last 24 hours count back from now").toBeLessThan(10_000);
    await waitFor(() => expect(rows()[0]?.dataset.eventId).toBe("100000"));
  });

  it("answers why in one click: each channel's reason and fix, every attempt and wait, Retry and Discard", async () => {
    const onnavigate = vi.fn();
    render(ActivityView, { onnavigate });
    await waitFor(() => expect(rows().length).toBeGreaterThan(5));

    await fireEvent.click(row(99995).querySelector("button.open")!);
    const story = await screen.findByTestId("event-story");
    await waitFor(() => expect(story.textContent).toContain("Then waited 2 s."));
    expect(story.textContent).toContain("Then waited 4 s.");
    expect(backend.state.storyCalls).toEqual([99995]);
    expect(location.hash, "the open story is in the address").toBe("#/activity/99995");
    expect(row(99995).classList.contains("selected")).toBe(true);

    const lines = within(story).getAllByTestId("story-line");
    expect(lines.map((l) => [l.dataset.state, l.dataset.reason])).toEqual([
      ["failed", "kind_on"],
      ["skipped", "kind_off"],
    ]);
    expect(lines[0]!.textContent).toContain("invite it with /invite @Switchboard");
    expect(lines[0]!.textContent).toContain("not_in_channel");
    expect(lines[1]!.textContent).toContain("timer.started is switched off in #ops: switch it on for that channel");
    expect(within(story).getByTestId("event-json").textContent).toContain('"client": "Globex GmbH"');

    await fireEvent.click(within(lines[1]!).getByRole("button", { name: "Open Channels" }));
    expect(onnavigate, "the fix for a kind switched off is made in Channels").toHaveBeenCalledWith("channels");

    await fireEvent.click(within(story).getByTestId("message-retry"));
    await waitFor(() => expect(backend.state.retried).toEqual([999951]));
    await waitFor(() => expect(story.textContent).toContain("is queued to be sent again"));
    await waitFor(() => expect(within(story).getAllByTestId("story-line")[0]!.dataset.state).toBe("pending"));
    await waitFor(() =>
      expect(row(99995).querySelector<HTMLElement>("[data-channel='#sales']")?.dataset.state, "the list follows the retry").toBe("pending"),
    );
    expect(within(story).queryByTestId("message-retry"), "a queued message cannot be retried").toBeNull();

    await fireEvent.click(within(story).getByTestId("message-discard"));
    expect(backend.state.discarded, "nothing is discarded before it is confirmed").toEqual([]);
    await fireEvent.click(within(story).getByTestId("message-discard-confirm"));
    await waitFor(() => expect(backend.state.discarded).toEqual([999951]));
    await waitFor(() => expect(within(story).getAllByTestId("story-line")[0]!.dataset.state).toBe("discarded"));
    expect(within(story).getByTestId("message-retry"), "a discarded message can still be sent").toBeTruthy();
    expect(within(story).queryByTestId("message-discard")).toBeNull();

    await fireEvent.click(screen.getByTestId("story-close"));
    expect(screen.queryByTestId("event-story")).toBeNull();
    expect(location.hash).toBe("#/activity");
  });

  it("opens the story named in the address, and Escape closes it", async () => {
    history.replaceState(null, "", "#/activity/99990");
    render(ActivityView, { onnavigate: vi.fn() });
    const story = await screen.findByTestId("event-story");
    await waitFor(() => expect(backend.state.storyCalls).toContain(99990));
    await waitFor(() => expect(story.textContent).toContain("Invoice 99990 for Globex GmbH was sent"));
    await fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.queryByTestId("event-story")).toBeNull();
  });

  it("follows new events live without moving what the person reads", async () => {
    render(ActivityView, { onnavigate: vi.fn() });
    await waitFor(() => expect(rows()[0]?.dataset.eventId).toBe("100000"));
    const firstPages = backend.state.timelineCalls.length;

    backend.state.added = 2;
    changes.events += 1;
    await waitFor(() => expect(rows()[0]?.dataset.eventId).toBe("100002"));
    expect(backend.state.timelineCalls.slice(firstPages).every((f) => f.before === null), "only the newest page is read again").toBe(true);

    const list = screen.getByTestId("timeline");
    const height = rowHeight();
    list.scrollTop = height * 50;
    await fireEvent.scroll(list);
    backend.state.added = 5;
    changes.outbox += 1;
    const note = await screen.findByRole("button", { name: /3 new events/ });
    expect(list.scrollTop, "the rows in view stay in view").toBe(height * 53);
    await fireEvent.click(note);
    expect(list.scrollTop).toBe(0);
    await waitFor(() => expect(rows()[0]?.dataset.eventId).toBe("100005"));
  });

  it("explains how events arrive when none has, and shows the first one that does", async () => {
    backend.state.total = 0;
    const onnavigate = vi.fn();
    render(ActivityView, { onnavigate });
    await screen.findByText("No events have arrived yet");
    await waitFor(() =>
      expect(document.body.textContent, "the address this console serves").toContain("POST http://127.0.0.1:17823/v1/events"),
    );
    expect(document.body.textContent).toContain("switchboard event send");
    await fireEvent.click(screen.getByRole("button", { name: /Go to Settings/ }));
    expect(onnavigate).toHaveBeenCalledWith("settings");

    backend.state.added = 1;
    changes.events += 1;
    await waitFor(() => expect(rows()[0]?.dataset.eventId).toBe("1"));
    expect(screen.queryByText("No events have arrived yet")).toBeNull();
  });

  it("says what went wrong when the events cannot be read, and tries again", async () => {
    backend.state.failTimeline = true;
    render(ActivityView, { onnavigate: vi.fn() });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The events could not be read.");
    expect(alert.textContent).toContain("The database is locked.");
    expect(screen.queryByText("No events have arrived yet"), "an error is not an empty list").toBeNull();

    backend.state.failTimeline = false;
    await fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(rows().length).toBeGreaterThan(5));
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
