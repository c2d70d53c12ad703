// The Channels view in jsdom, with Tauri's `invoke` answered by a fake backend that keeps the
// state the Rust commands would (channels, their kinds, the integration switch, the synced
// directory) and records every call, so each test checks what reached Rust and what the
// person sees after. The end-to-end suite drives the real app against the Slack emulator.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import type { DirectoryChannel, EventKindInfo, NotificationChannel, Overview, TestResult } from "../lib/bindings";

const backend = vi.hoisted(() => {
  const catalogue: EventKindInfo[] = [
    { id: "timer.started", group: "Time tracking", label: "A staff member starts work", routing: "project_and_toggled_channels" },
    { id: "timer.stopped", group: "Time tracking", label: "A staff member stops work", routing: "project_and_toggled_channels" },
    { id: "invoice.sent", group: "Invoices", label: "An invoice is sent", routing: "toggled_channels" },
    { id: "invoice.opened", group: "Invoices", label: "A client opens an invoice email", routing: "toggled_channels" },
    { id: "estimate.sent", group: "Estimates", label: "An estimate is sent", routing: "toggled_channels" },
    { id: "timesheet.approval", group: "Approvals", label: "A timesheet needs approval", routing: "direct_message" },
    { id: "escalation.project", group: "Escalations", label: "A project exceeds its budget or deadline", routing: "escalation_rule" },
  ];
  const state = {
    workspaces: [] as Record<string, unknown>[],
    directory: {} as Record<string, DirectoryChannel[]>,
    channels: [] as NotificationChannel[],
    integration: { enabled: true, held: 0 },
    nextId: 100,
    calls: [] as { command: string; args: Record<string, unknown> }[],
    /** The next call of this command fails with this error (as Rust's `CommandError`). */
    failNext: null as null | { command: string; error: Record<string, unknown> },
    testResults: {} as Record<number, TestResult>,
    /** Where each message stands now, by outbox id (what `test_message_outcome` answers). */
    messageStates: {} as Record<number, TestResult>,
    /** While set, test messages wait for it: the person sees them being sent. */
    testGate: null as Promise<void> | null,
  };
  const order = (kinds: string[]) => catalogue.map((k) => k.id).filter((id) => kinds.includes(id));
  const find = (id: unknown) => {
    const channel = state.channels.find((c) => c.id === id);
    if (!channel) throw { code: "not_found", message: `There is no notification channel ${String(id)}.`, field: null, teamId: null };
    return channel;
  };
  const invoke = async (command: string, args: Record<string, unknown> = {}) => {
    state.calls.push({ command, args });
    if (state.failNext?.command === command) {
      const { error } = state.failNext;
      state.failNext = null;
      throw error;
    }
    switch (command) {
      case "workspaces":
        return state.workspaces;
      case "overview":
        return null;
      case "notification_channels":
        return structuredClone(state.channels);
      case "search_channels": {
        const query = String(args.query).replace(/^#/, "").toLowerCase();
        const hits = (state.directory[String(args.teamId)] ?? []).filter(
          (c) => c.name.includes(query) && (args.includeArchived || !c.isArchived),
        );
        const offset = Number(args.offset);
        return { total: hits.length, offset, rows: hits.slice(offset, offset + Number(args.limit)), micros: 500 };
      }
      case "add_notification_channel": {
        const listed = (state.directory[String(args.teamId)] ?? []).find((c) => c.channelId === args.channel);
        if (!listed) throw { code: "invalid_input", message: "No such channel.", field: "channel", teamId: null };
        if (!listed.isMember && !args.join) throw { code: "invalid_input", message: `Switchboard's app is not in #${listed.name}.`, field: "channel", teamId: null };
        const workspace = state.workspaces.find((w) => w.teamId === args.teamId);
        const channel: NotificationChannel = {
          id: state.nextId++,
          teamId: String(args.teamId),
          workspaceName: String(workspace?.name ?? ""),
          channelId: listed.channelId,
          name: listed.name,
          isPrivate: listed.isPrivate,
          isArchived: false,
          isMember: true,
          enabled: true,
          threadPerObject: Boolean(args.threadPerObject),
          isDefault: false,
          kinds: order(args.kinds as string[]),
        };
        state.channels.push(channel);
        return channel;
      }
      case "set_channel_kinds": {
        const channel = find(args.id);
        const kinds = args.kinds as string[];
        channel.kinds = order(args.on ? [...channel.kinds, ...kinds] : channel.kinds.filter((k) => !kinds.includes(k)));
        return structuredClone(channel);
      }
      case "set_channel_enabled":
        find(args.id).enabled = Boolean(args.enabled);
        return structuredClone(find(args.id));
      case "set_channel_threads":
        find(args.id).threadPerObject = Boolean(args.on);
        return structuredClone(find(args.id));
      case "set_default_channel": {
        const channel = find(args.id);
        if (args.on) for (const c of state.channels) if (c.teamId === channel.teamId) c.isDefault = false;
        channel.isDefault = Boolean(args.on);
        return structuredClone(channel);
      }
      case "remove_notification_channel":
        find(args.id);
        state.channels = state.channels.filter((c) => c.id !== args.id);
        return null;
      case "send_test_message": {
        const channel = find(args.id);
        if (state.testGate) await state.testGate;
        return (
          state.testResults[channel.id] ?? {
            outboxId: 1,
            state: "sent",
            permalink: `https://acme.slack.com/archives/${channel.channelId}/p1700000000000100`,
            sentence: null,
          }
        );
      }
      case "test_message_outcome": {
        const result = state.messageStates[args.outboxId as number];
        if (!result) throw { code: "not_found", message: `There is no message ${String(args.outboxId)}.`, field: null, teamId: null };
        return result;
      }
      case "open_message":
        return null;
      case "integration":
        return { ...state.integration };
      case "set_integration":
        state.integration.enabled = Boolean(args.on);
        return { ...state.integration };
      case "decide_held":
        state.integration.held = 0;
        return { ...state.integration };
      default:
        throw { code: "invalid_input", message: `no command ${command}`, field: null, teamId: null };
    }
  };
  return { state, invoke, catalogue };
});

vi.mock("@tauri-apps/api/core", () => ({ invoke: backend.invoke, Channel: class { onmessage = () => {}; } }));
vi.mock("@tauri-apps/api/event", () => ({}));

import ChannelsView from "./ChannelsView.svelte";
import { consoleState } from "../lib/app.svelte";
import { changes } from "../lib/events.svelte";

const workspace = (teamId: string, name: string, status = "connected") => ({
  teamId, name, domain: name.toLowerCase().replace(/ /g, "-"), iconUrl: null, mode: "bot token",
  hasBotToken: true, hasUserToken: false, status, statusReason: null, reconnectWith: null,
  botScopes: ["chat:write", "channels:join"], userScopes: [], scopeProblems: [], botUserId: "U1",
  authedUserId: null, connectedBy: "ada", connectedAt: 0, lastHealthCheckAt: null,
  directorySyncedAt: 0, tokenExpiresAt: null, refreshExpiresAt: null, botTokenError: null,
  userTokenError: null, botTokenExpiresAt: null, botTokenRefreshable: false, channels: 4, users: 2,
  isDemo: false,
});

const listed = (channelId: string, name: string, extra: Partial<DirectoryChannel> = {}): DirectoryChannel => ({
  channelId, name, isPrivate: false, isArchived: false, isMember: true, memberCount: 5, topic: null, ...extra,
});

const channel = (id: number, name: string | null, extra: Partial<NotificationChannel> = {}): NotificationChannel => ({
  id, teamId: "T1", workspaceName: "Acme Studio", channelId: `C${id}`, name, isPrivate: false,
  isArchived: false, isMember: true, enabled: true, threadPerObject: true, isDefault: false, kinds: [],
  ...extra,
});

const overview = (workspaces: number): Overview => ({
  workspaces, workspacesNeedingAttention: 0, directoryChannels: 4, notificationChannels: 0,
  projects: 0, staff: 0, linkedStaff: 0, templates: 0, events: 0, outboxPending: 0,
  outboxFailed: 0, auditEntries: 0,
});

const card = (id: number) => document.querySelector<HTMLElement>(`[data-testid="channel-card"][data-id="${id}"]`);
const inCard = (id: number, testId: string) => {
  const element = card(id)?.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  if (!element) throw new Error(`no ${testId} in card ${id}`);
  return element;
};
const box = (element: HTMLElement) => element as HTMLInputElement;
const callsOf = (command: string) => backend.state.calls.filter((c) => c.command === command).map((c) => c.args);
const addDialog = () => document.querySelector<HTMLDialogElement>("dialog.add")!;
/** Text as the person reads it: the markup's line breaks are one space on screen. */
const text = (element: Element | null | undefined) => (element?.textContent ?? "").replace(/\s+/g, " ").trim();

beforeAll(() => {
  // jsdom has <dialog> but not its modal methods.
  HTMLDialogElement.prototype.showModal = function (this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close = function (this: HTMLDialogElement) {
    if (!this.hasAttribute("open")) return;
    this.removeAttribute("open");
    this.dispatchEvent(new Event("close"));
  };
});

beforeEach(() => {
  Object.assign(backend.state, {
    workspaces: [workspace("T1", "Acme Studio"), workspace("T3", "Old Corp", "disabled")],
    directory: {
      T1: [
        listed("C1", "general"),
        listed("C2", "random", { isMember: false }),
        listed("C3", "secret", { isPrivate: true, isMember: false }),
        listed("C4", "old-news", { isArchived: true }),
      ],
    },
    channels: [],
    integration: { enabled: true, held: 0 },
    nextId: 100,
    calls: [],
    failNext: null,
    testResults: {},
    messageStates: {},
    testGate: null,
  });
  consoleState.loaded = true;
  consoleState.error = null;
  consoleState.catalogue = backend.catalogue;
  consoleState.overview = overview(1);
});
afterEach(() => cleanup());

describe("the Channels view", () => {
  it("sends the person to Workspaces when none is connected, and says what a channel can receive", async () => {
    consoleState.overview = overview(0);
    const onnavigate = vi.fn();
    render(ChannelsView, { onnavigate });
    await fireEvent.click(screen.getByRole("button", { name: /Go to Workspaces/ }));
    expect(onnavigate).toHaveBeenCalledWith("workspaces");
    // Direct-message kinds go to people: the catalogue of channel kinds leaves them out.
    const groups = [...document.querySelectorAll(".catalogue h3")].map((h) => text(h));
    expect(groups).toEqual(["Time tracking", "Invoices", "Estimates", "Escalations"]);
    expect(screen.queryByTestId("integration-switch"), "no switch before a workspace exists").toBeNull();
  });

  it("adds the first channel: joins a public channel, with the kinds chosen by group", async () => {
    render(ChannelsView, { onnavigate: () => {} });
    await screen.findByText("Add your first notification channel");
    await fireEvent.click(screen.getByTestId("add-channel"));
    expect(addDialog().open).toBe(true);

    // A disconnected workspace offers no channel to add.
    const team = screen.getByTestId("add-channel-team") as HTMLSelectElement;
    await waitFor(() => expect([...team.options].map((o) => o.textContent?.trim())).toEqual(["Acme Studio"]));

    await fireEvent.click(await within(addDialog()).findByText("random"));
    expect(text(screen.getByTestId("add-channel-verdict"))).toContain("Switchboard will join #random");
    const confirm = screen.getByTestId("add-channel-confirm") as HTMLButtonElement;
    expect(text(confirm)).toBe("Join and add #random");

    await fireEvent.click(screen.getByTestId("group-all-invoices"));
    expect(box(screen.getByTestId("kind-invoice.sent")).checked).toBe(true);
    expect(box(screen.getByTestId("kind-invoice.opened")).checked).toBe(true);
    await fireEvent.click(screen.getByTestId("kind-invoice.opened"));
    await fireEvent.click(screen.getByTestId("group-all-time_tracking"));
    await fireEvent.click(screen.getByTestId("group-all-estimates"));
    await fireEvent.click(screen.getByTestId("group-none-estimates"));
    expect(screen.queryByTestId("kind-timesheet.approval"), "approvals go to people, not channels").toBeNull();
    expect(box(screen.getByTestId("add-channel-thread")).checked, "threads are on by default").toBe(true);

    await fireEvent.click(confirm);
    await waitFor(() => expect(callsOf("add_notification_channel")).toHaveLength(1));
    expect(callsOf("add_notification_channel")[0]).toEqual({
      teamId: "T1",
      channel: "C2",
      kinds: ["timer.started", "timer.stopped", "invoice.sent"],
      threadPerObject: true,
      join: true,
    });
    const added = await waitFor(() => {
      const element = document.querySelector<HTMLElement>('[data-testid="channel-card"][data-channel-id="C2"]');
      expect(element).not.toBeNull();
      return element!;
    });
    expect(addDialog().open).toBe(false);
    expect(text(within(added).getByTestId("channel-kind-count"))).toBe("3 of 6 kinds");
    expect(box(within(added).getByTestId("channel-kind-invoice.sent")).checked).toBe(true);
    expect(box(within(added).getByTestId("channel-kind-invoice.opened")).checked).toBe(false);
    expect(text(screen.getByTestId("channels-notice"))).toContain("Added #random (Acme Studio) with 3 event kinds");
  });

  it("refuses private channels without the app, archived ones and ones already added, and shows Rust's refusal", async () => {
    backend.state.channels = [channel(1, "general", { channelId: "C1" })];
    render(ChannelsView, { onnavigate: () => {} });
    await fireEvent.click(await screen.findByTestId("add-channel"));
    const verdict = () => text(screen.getByTestId("add-channel-verdict"));
    const picker = () => within(addDialog());
    const confirm = () => screen.getByTestId("add-channel-confirm") as HTMLButtonElement;

    await fireEvent.click(await picker().findByText("secret"));
    expect(verdict()).toContain("/invite @Switchboard");
    expect(verdict()).toContain("Sync the directory");
    expect(confirm().disabled).toBe(true);

    await fireEvent.click(picker().getByLabelText("Archived"));
    await fireEvent.click(await picker().findByText("old-news"));
    expect(verdict()).toContain("#old-news is archived: Slack accepts no messages there");
    expect(confirm().disabled).toBe(true);

    await fireEvent.click(picker().getByText("general"));
    expect(verdict()).toContain("#general is already a notification channel");
    expect(confirm().disabled).toBe(true);

    await fireEvent.click(picker().getByText("random"));
    expect(confirm().disabled).toBe(false);
    backend.state.failNext = {
      command: "add_notification_channel",
      error: { code: "slack_refused", message: "Slack refused to join #random (missing_scope: channels:join).", field: null, teamId: null },
    };
    await fireEvent.click(confirm());
    const error = await screen.findByTestId("add-channel-error");
    expect(text(error)).toContain("missing_scope: channels:join");
    expect(addDialog().open, "the dialog stays open to fix and retry").toBe(true);
    expect(backend.state.channels).toHaveLength(1);
  });

  it("switches kinds, groups, the channel, the default and threads at once, and undoes what Rust refuses", async () => {
    backend.state.channels = [channel(1, "general", { kinds: ["invoice.sent"] })];
    render(ChannelsView, { onnavigate: () => {} });
    await waitFor(() => expect(card(1)).not.toBeNull());
    expect(text(inCard(1, "channel-kind-count"))).toBe("1 of 6 kinds");
    expect(box(inCard(1, "channel-kind-invoice.sent")).checked).toBe(true);

    await fireEvent.click(inCard(1, "channel-kind-invoice.opened"));
    await waitFor(() => expect(text(inCard(1, "channel-kind-count"))).toBe("2 of 6 kinds"));
    expect(callsOf("set_channel_kinds")).toEqual([{ id: 1, kinds: ["invoice.opened"], on: true }]);

    await fireEvent.click(inCard(1, "channel-group-none-invoices"));
    await waitFor(() => expect(text(inCard(1, "channel-kind-count"))).toBe("0 of 6 kinds"));
    expect(callsOf("set_channel_kinds")[1]).toEqual({ id: 1, kinds: ["invoice.sent", "invoice.opened"], on: false });
    expect(box(inCard(1, "channel-kind-invoice.sent")).checked).toBe(false);

    await fireEvent.click(inCard(1, "channel-enabled"));
    await waitFor(() => expect(text(card(1))).toContain("Receives nothing; its kinds are kept."));
    expect(callsOf("set_channel_enabled")).toEqual([{ id: 1, enabled: false }]);
    expect(inCard(1, "channel-enabled").getAttribute("aria-checked")).toBe("false");

    await fireEvent.click(inCard(1, "channel-default"));
    await waitFor(() => expect(box(inCard(1, "channel-default")).checked).toBe(true));
    expect(callsOf("set_default_channel")).toEqual([{ id: 1, on: true }]);
    expect(text(card(1))).toContain("Default channel of Acme Studio");

    await fireEvent.click(inCard(1, "channel-threads"));
    await waitFor(() => expect(callsOf("set_channel_threads")).toEqual([{ id: 1, on: false }]));
    expect(backend.state.channels[0]?.threadPerObject).toBe(false);

    backend.state.failNext = {
      command: "set_channel_kinds",
      error: { code: "storage", message: "The database is busy.", field: null, teamId: null },
    };
    await fireEvent.click(inCard(1, "channel-kind-estimate.sent"));
    const alert = await within(card(1)!).findByRole("alert");
    expect(alert.textContent).toContain("The database is busy.");
    await waitFor(() => expect(box(inCard(1, "channel-kind-estimate.sent")).checked, "the refused switch goes back").toBe(false));
  });

  it("sends a test message, shows it being sent, and reports the outcome with the fix", async () => {
    let release: () => void = () => {};
    backend.state.testGate = new Promise<void>((resolve) => {
      release = () => resolve();
    });
    backend.state.channels = [channel(1, "general"), channel(2, "ops")];
    backend.state.testResults[2] = {
      outboxId: 9, state: "failed", permalink: null,
      sentence: "Switchboard is not in #ops: invite it with /invite @Switchboard, then send again.",
    };
    render(ChannelsView, { onnavigate: () => {} });
    await waitFor(() => expect(card(2)).not.toBeNull());

    await fireEvent.click(inCard(1, "channel-test"));
    expect(text(inCard(1, "channel-test-result"))).toContain("Sending…");
    expect((inCard(1, "channel-test") as HTMLButtonElement).disabled).toBe(true);
    release();
    await waitFor(() => expect(text(inCard(1, "channel-test-result"))).toContain("Delivered"));
    const link = inCard(1, "channel-test-result").querySelector("a")!;
    expect(link.getAttribute("href")).toBe("https://acme.slack.com/archives/C1/p1700000000000100");
    expect(link.getAttribute("rel")).toBe("noreferrer");
    // Rust opens the message in the browser, named by its outbox id, never by a URL.
    await fireEvent.click(link);
    await waitFor(() => expect(callsOf("open_message")).toEqual([{ id: 1 }]));
    expect(inCard(1, "channel-test-result").closest("[aria-live]")).not.toBeNull();

    await fireEvent.click(inCard(2, "channel-test"));
    await waitFor(() => expect(text(inCard(2, "channel-test-result"))).toContain("invite it with /invite @Switchboard"));
    expect(inCard(2, "channel-test-result").dataset.state).toBe("failed");
    expect(text(inCard(2, "channel-test-result"))).toContain("Failed:");
    expect(callsOf("send_test_message")).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("follows a test message Slack had not answered within the wait until it is sent", async () => {
    backend.state.channels = [channel(1, "general")];
    const queued: TestResult = {
      outboxId: 41, state: "pending", permalink: null,
      sentence: "Not sent yet (Slack answered 503): it stays queued and goes out as soon as Slack accepts it.",
    };
    backend.state.testResults[1] = queued;
    backend.state.messageStates[41] = queued;
    render(ChannelsView, { onnavigate: () => {} });
    await waitFor(() => expect(card(1)).not.toBeNull());
    await fireEvent.click(inCard(1, "channel-test"));
    await waitFor(() => expect(inCard(1, "channel-test-result").dataset.state).toBe("pending"));
    expect(text(inCard(1, "channel-test-result"))).toContain("Still queued");
    expect(text(inCard(1, "channel-test-result"))).toContain("Slack answered 503");
    expect(inCard(1, "channel-test-result").classList.contains("bad"), "waiting is not a failure").toBe(false);

    // An unrelated change of the outbox while it still waits: asked again, still queued.
    changes.outbox += 1;
    await waitFor(() => expect(callsOf("test_message_outcome")).toEqual([{ outboxId: 41 }]));
    expect(inCard(1, "channel-test-result").dataset.state).toBe("pending");

    // The delivery worker sends it: the card says so, with the link.
    backend.state.messageStates[41] = {
      outboxId: 41, state: "sent", permalink: "https://acme.slack.com/archives/C1/p1700000000000200", sentence: null,
    };
    changes.outbox += 1;
    await waitFor(() => expect(text(inCard(1, "channel-test-result"))).toContain("Delivered"));
    expect(inCard(1, "channel-test-result").querySelector("a")!.getAttribute("href")).toBe(
      "https://acme.slack.com/archives/C1/p1700000000000200",
    );
    // Once sent, it is not asked about again.
    changes.outbox += 1;
    await new Promise((r) => setTimeout(r, 20));
    expect(callsOf("test_message_outcome")).toHaveLength(2);
  });

  it("removes a channel only after a confirmation that says waiting messages are discarded", async () => {
    backend.state.channels = [channel(1, "general", { isDefault: true }), channel(2, "ops")];
    render(ChannelsView, { onnavigate: () => {} });
    await waitFor(() => expect(card(1)).not.toBeNull());

    await fireEvent.click(inCard(1, "channel-remove"));
    const dialog = document.querySelector<HTMLDialogElement>("dialog.confirm[aria-labelledby='remove-title']")!;
    expect(dialog.open).toBe(true);
    expect(text(dialog)).toContain("Messages still waiting to be sent to it are discarded");
    expect(text(dialog)).toContain("default channel of Acme Studio");
    await fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(dialog.open).toBe(false);
    expect(callsOf("remove_notification_channel"), "cancel removes nothing").toEqual([]);

    await fireEvent.click(inCard(1, "channel-remove"));
    await fireEvent.click(screen.getByTestId("channel-remove-confirm"));
    await waitFor(() => expect(card(1)).toBeNull());
    expect(callsOf("remove_notification_channel")).toEqual([{ id: 1 }]);
    expect(card(2)).not.toBeNull();
    expect(text(screen.getByTestId("channels-notice"))).toContain("Removed #general");
  });

  it("groups channels by workspace and says what is wrong with a channel and how to fix it", async () => {
    backend.state.workspaces.push(workspace("T2", "Northwind Traders"));
    backend.state.channels = [
      channel(1, "old", { isArchived: true }),
      channel(2, "secret", { isPrivate: true, isMember: false }),
      channel(3, null, { teamId: "T2", workspaceName: "Northwind Traders", channelId: "C777" }),
      // Public, without the app: it still takes messages (chat:write.public), nothing to fix.
      channel(4, "announcements", { isMember: false }),
    ];
    render(ChannelsView, { onnavigate: () => {} });
    await waitFor(() => expect(card(4)).not.toBeNull());
    expect(card(4)?.querySelector(".warnings"), "no warning on the public channel").toBeNull();
    const heads = [...document.querySelectorAll(".ws-head h2")].map((h) => text(h));
    expect(heads).toEqual(["Acme Studio", "Northwind Traders"]);
    expect(text(card(1))).toContain("#old is archived");
    expect(text(card(2))).toContain("invite the app (/invite @ followed by its name)");
    expect(text(card(2)?.querySelector("h3"))).toContain("Private channel");
    expect(text(card(3))).toContain("No longer in the directory of Northwind Traders");
    expect(card(3)?.getAttribute("data-channel-id")).toBe("C777");
    expect(text(screen.getByTestId("channels-summary"))).toContain("3 need attention");
  });

  it("turns the integration off and on, and sends or discards what it held", async () => {
    backend.state.channels = [channel(1, "general")];
    render(ChannelsView, { onnavigate: () => {} });
    const toggle = (await screen.findByTestId("integration-switch")) as HTMLButtonElement;
    // The switch is disabled until Rust said where it stands.
    await waitFor(() => expect(toggle.disabled).toBe(false));
    expect(toggle.getAttribute("aria-checked")).toBe("true");
    expect(toggle.getAttribute("role")).toBe("switch");

    await fireEvent.click(toggle);
    await waitFor(() => expect(toggle.getAttribute("aria-checked")).toBe("false"));
    expect(callsOf("set_integration")).toEqual([{ on: false }]);
    const banner = text(screen.getByTestId("integration-off"));
    expect(banner).toContain("Events are still received and recorded");
    expect(banner).toContain("skipped: integration off");
    expect(banner).toContain("held");

    backend.state.integration.held = 3;
    await waitFor(() => expect(toggle.disabled).toBe(false));
    await fireEvent.click(toggle);
    await screen.findByText("3 messages were held while the integration was off.");

    await fireEvent.click(screen.getByTestId("held-discard"));
    expect(callsOf("decide_held"), "discarding waits for the confirmation").toEqual([]);
    await fireEvent.click(screen.getByTestId("held-discard-confirm"));
    await waitFor(() => expect(callsOf("decide_held")).toEqual([{ send: false }]));
    await screen.findByText(/Discarded 3 held messages/);
    expect(screen.queryByTestId("held-send")).toBeNull();

    // Held messages announced later (an outbox change) show with a way to send them.
    backend.state.integration.held = 2;
    changes.outbox += 1;
    await fireEvent.click(await screen.findByTestId("held-send"));
    await waitFor(() => expect(callsOf("decide_held")).toEqual([{ send: false }, { send: true }]));
    await screen.findByText(/2 held messages are queued for sending/);
  });

  it("follows the changes Rust announces, keeping open editors and test outcomes", async () => {
    backend.state.channels = [channel(1, "general", { kinds: ["invoice.sent"] })];
    render(ChannelsView, { onnavigate: () => {} });
    await waitFor(() => expect(card(1)).not.toBeNull());
    await fireEvent.click(inCard(1, "channel-test"));
    await waitFor(() => expect(text(inCard(1, "channel-test-result"))).toContain("Delivered"));
    await fireEvent.click(inCard(1, "channel-edit"));
    expect(inCard(1, "channel-edit").getAttribute("aria-expanded")).toBe("false");

    // The CLI adds a channel and switches a kind: Rust announces it, the view reloads.
    backend.state.channels.push(channel(2, "sales", { kinds: ["estimate.sent"] }));
    backend.state.channels[0]!.kinds = ["invoice.sent", "invoice.opened"];
    changes.channels += 1;
    await waitFor(() => expect(card(2)).not.toBeNull());
    expect(text(inCard(1, "channel-kind-count"))).toBe("2 of 6 kinds");
    expect(inCard(1, "channel-edit").getAttribute("aria-expanded"), "the closed editor stays closed").toBe("false");
    expect(text(inCard(1, "channel-test-result")), "the outcome stays").toContain("Delivered");
  });

  it("renders only the channels in view of 10,000, and finds one by name", async () => {
    backend.state.channels = Array.from({ length: 10_000 }, (_, i) =>
      channel(i + 1, `channel-${String(i + 1).padStart(5, "0")}`),
    );
    render(ChannelsView, { onnavigate: () => {} });
    await waitFor(() => expect(card(1)).not.toBeNull());
    const rendered = document.querySelectorAll('[data-testid="channel-card"]').length;
    expect(rendered).toBeGreaterThan(2);
    expect(rendered).toBeLessThan(40);
    expect(text(screen.getByTestId("channels-summary"))).toContain("10,000 notification channels");
    // Long lists start with the kind editors closed.
    expect(inCard(1, "channel-edit").getAttribute("aria-expanded")).toBe("false");

    await fireEvent.input(screen.getByTestId("channels-filter"), { target: { value: "#channel-09999" } });
    await waitFor(() => expect(card(9999)).not.toBeNull());
    expect(document.querySelectorAll('[data-testid="channel-card"]')).toHaveLength(1);
  });
});
