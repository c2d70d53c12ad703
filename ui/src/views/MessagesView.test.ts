// The Messages view over a fake backend: a member who cannot receive Slack messages is greyed
// and Send says why it is off; a reachable one gets a preview only once the purpose's fields are
// filled; Send passes the fields, the sender and an idempotency key, shows the outcome, and the
// next message gets a new key.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";

const backend = vi.hoisted(() => {
  const hours = { days: 31, start: "08:00", end: "18:00", timeZone: null, effectiveTimeZone: "Europe/Berlin", summary: "Mon–Fri 08:00–18:00 (Europe/Berlin)" };
  const member = (id: number, name: string, connected: boolean, reason: string) => ({
    id, externalId: null, name, email: `${name.split(" ")[0]!.toLowerCase()}@example.com`, role: "staff",
    managerId: null, managerName: null, active: true, state: connected ? "connected" : "not_linked",
    connected, reason, switchable: connected, switchedOn: connected, matchState: null, matchDetail: null,
    link: connected
      ? { teamId: "T1", teamName: "Acme", workspaceStatus: "connected", slackUserId: "U1", userName: "ann", userEmail: null,
          userDeleted: false, enabled: true, dm: { kind: "app", channelId: null, channelName: null, label: "Direct message from the app" },
          linkedBy: "manual", linkedAt: 0, switchedAt: null, switchedBy: null }
      : null,
    links: connected ? 1 : 0, hours, updatedAt: 0,
  });
  const state = {
    members: [member(1, "Ann Lee", true, "Connected to Slack as @ann in Acme"), member(2, "Nia None", false, "Not linked to a Slack user")],
    calls: [] as { command: string; args: Record<string, unknown> }[],
    unread: [{ staffId: 1, name: "Ann Lee", count: 2, newestAt: 2 }],
    conversation: [
      { direction: "in", id: 2, at: 2, text: "", files: [{ name: "tools.zip", size: 2048, filetype: "zip", accepted: false }], kind: null, state: null, error: null, permalink: null, readAt: null },
      { direction: "in", id: 1, at: 1, text: "Can I swap Friday?", files: [], kind: null, state: null, error: null, permalink: null, readAt: null },
    ] as Record<string, unknown>[],
    failNext: false,
  };
  const invoke = async (command: string, args: Record<string, unknown> = {}) => {
    state.calls.push({ command, args });
    switch (command) {
      case "dm_purposes":
        return [
          { name: "timesheet_approval", kind: "timesheet.approval", label: "Timesheet approval", fields: [
            { name: "period", input: "text", options: [], required: true, about: "the period" },
            { name: "hours", input: "number", options: [], required: true, about: "the hours" },
            { name: "decision", input: "choice", options: ["approved", "rejected"], required: false, about: "" },
          ] },
          { name: "text", kind: "message.direct", label: "Free text", fields: [] },
        ];
      case "dm_sender":
        return "Mara Boss";
      case "staff_members":
        return { total: state.members.length, connected: 1, offset: 0, rows: state.members.filter((m) => m.name.includes(String(args.search ?? ""))) };
      case "dm_template":
        return { kind: "timesheet.approval", label: "Timesheet", group: "Approvals", template: null, defaultTemplate: "{period}", placeholders: [] };
      case "preview_dm": {
        const message = args.message as { fields: Record<string, string> };
        return { text: `Timesheet ${message.fields.period} approved`, blocksJson: "[]", notes: [], warnings: [], fromEvent: null, timeZone: "Europe/Berlin" };
      }
      case "send_dm":
        if (state.failNext) {
          state.failNext = false;
          throw { code: "storage", message: "The database is busy.", field: null, teamId: null };
        }
        return { eventId: 7, id: (args.message as { id: string }).id, staffId: 1, recipient: "Ann Lee", outcome: "queued", reason: "direct_message", sentence: "", outboxId: 3, sender: "Mara Boss", duplicate: false };
      case "timeline":
        return { entries: [], next: null };
      case "staff_member":
        return { member: state.members.find((m) => m.id === args.id) };
      case "unread_conversations":
        return state.unread;
      case "conversation":
        return args.staffId === 1 ? state.conversation : [];
      case "mark_conversation_read":
        state.unread = [];
        return 1;
      case "reply_to_staff":
        state.conversation = [
          { direction: "out", id: 9, at: 3, text: String(args.text), files: [], kind: "message.direct", state: "pending", error: null, permalink: null, readAt: null },
          ...state.conversation,
        ];
        return { eventId: 8, id: String(args.id), staffId: 1, recipient: "Ann Lee", outcome: "queued", reason: "direct_message", sentence: "Queued for Ann Lee's direct messages.", outboxId: 9, sender: "Mara Boss", duplicate: false };
      default:
        throw { code: "invalid_input", message: `no command ${command}`, field: null, teamId: null };
    }
  };
  return { state, invoke };
});

vi.mock("@tauri-apps/api/core", () => ({ invoke: backend.invoke, Channel: class {} }));

import MessagesView from "./MessagesView.svelte";
import { consoleState } from "../lib/app.svelte";

const sends = () => backend.state.calls.filter((c) => c.command === "send_dm").map((c) => c.args.message as Record<string, unknown>);

beforeEach(() => {
  backend.state.calls = [];
  consoleState.overview = {
    workspaces: 1, workspacesNeedingAttention: 0, directoryChannels: 3, notificationChannels: 1, projects: 0, staff: 2,
    linkedStaff: 1, templates: 0, events: 0, outboxPending: 0, outboxFailed: 0, auditEntries: 0,
  };
});
afterEach(() => cleanup());

describe("the Messages view", () => {
  it("greys a member who cannot receive Slack messages and says why Send is off", async () => {
    render(MessagesView, { onnavigate: vi.fn() });
    const nia = await screen.findByRole("button", { name: /^Nia None/ });
    expect(nia.dataset.connected).toBe("false");
    expect(nia.getAttribute("aria-label")).toContain("cannot receive Slack messages. Not linked to a Slack user");
    await fireEvent.click(nia);
    await waitFor(() => expect(screen.getByTestId("dm-send-why").textContent).toContain("Nia None cannot receive Slack messages: not linked"));
    expect((screen.getByTestId("dm-send") as HTMLButtonElement).disabled).toBe(true);
  });

  it("previews once the fields are filled, sends them with a key, and starts a new message", async () => {
    render(MessagesView, { onnavigate: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /^Ann Lee/ }));
    await waitFor(() => expect(screen.getByTestId("dm-send-why").textContent).toBe("Fill in Period, Hours."));
    expect(screen.getByTestId("dm-preview").textContent).toContain("Fill in Period, Hours");
    await fireEvent.input(screen.getByTestId("dm-field-period"), { target: { value: "2026-W47" } });
    await fireEvent.input(screen.getByTestId("dm-field-hours"), { target: { value: "38.5" } });
    await waitFor(() => expect(screen.getByTestId("dm-preview").textContent).toContain("Timesheet 2026-W47 approved"));
    const send = screen.getByTestId("dm-send") as HTMLButtonElement;
    expect(send.disabled).toBe(false);
    await fireEvent.click(send);
    await waitFor(() => expect(screen.getByTestId("dm-outcome").textContent).toContain("Queued for Ann Lee, as Mara Boss"));
    const [first] = sends();
    expect(first).toMatchObject({ staffId: 1, purpose: "timesheet_approval", sender: "Mara Boss", urgent: false,
      fields: { period: "2026-W47", hours: "38.5", decision: "approved" } });
    expect(String(first!.id)).toMatch(/^dm-/);
    // The form is cleared for the next message, which gets a key of its own.
    expect((screen.getByTestId("dm-field-period") as HTMLInputElement).value).toBe("");
    await fireEvent.input(screen.getByTestId("dm-field-period"), { target: { value: "2026-W48" } });
    await fireEvent.input(screen.getByTestId("dm-field-hours"), { target: { value: "40" } });
    await waitFor(() => expect((screen.getByTestId("dm-send") as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(screen.getByTestId("dm-send"));
    await waitFor(() => expect(sends()).toHaveLength(2));
    expect(sends()[1]!.id).not.toBe(first!.id);
    expect(sends()[1]).toMatchObject({ fields: { period: "2026-W48", hours: "40", decision: "approved" } });
  });

  it("sends again with the same key after a failure, and names the sender typed", async () => {
    render(MessagesView, { onnavigate: vi.fn() });
    await fireEvent.click(await screen.findByRole("button", { name: /^Ann Lee/ }));
    await fireEvent.change(screen.getByTestId("dm-purpose"), { target: { value: "text" } });
    await fireEvent.input(screen.getByTestId("dm-text"), { target: { value: "Please add Friday" } });
    const sender = screen.getByTestId("dm-sender");
    await fireEvent.input(sender, { target: { value: "Jane Doe" } });
    await waitFor(() => expect((screen.getByTestId("dm-send") as HTMLButtonElement).disabled).toBe(false));
    backend.state.failNext = true;
    await fireEvent.click(screen.getByTestId("dm-send"));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("The message was not sent. The database is busy."));
    await fireEvent.click(screen.getByTestId("dm-send"));
    await waitFor(() => expect(sends()).toHaveLength(2));
    const [failed, again] = sends();
    expect(again!.id, "a retry is the same message").toBe(failed!.id);
    expect(again).toMatchObject({ purpose: "text", text: "Please add Friday", sender: "Jane Doe", fields: {} });
  });
});

describe("a staff member's conversation", () => {
  it("opens from the unread list, marks it read, shows refused files and sends the answer", async () => {
    backend.state.unread = [{ staffId: 1, name: "Ann Lee", count: 2, newestAt: 2 }];
    const { conversationsState } = await import("../lib/conversations.svelte");
    await conversationsState.load();
    render(MessagesView, { onnavigate: vi.fn() });
    await fireEvent.click(await screen.findByTestId("unread-member"));
    const lines = await screen.findAllByTestId("conversation-line");
    expect(lines.map((l) => l.textContent)).toEqual([
      expect.stringContaining("Can I swap Friday?"),
      expect.stringContaining("tools.zip 2 KB · refused: not an accepted type"),
    ]);
    await waitFor(() => expect(backend.state.calls.some((c) => c.command === "mark_conversation_read" && c.args.staffId === 1)).toBe(true));
    await fireEvent.input(screen.getByTestId("conversation-answer"), { target: { value: "Yes, swap it." } });
    await fireEvent.click(screen.getByTestId("conversation-send"));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("Queued for Ann Lee"));
    const reply = backend.state.calls.find((c) => c.command === "reply_to_staff")!;
    expect(reply.args).toMatchObject({ staffId: 1, text: "Yes, swap it." });
    expect(String(reply.args.id)).toMatch(/^reply-/);
    await waitFor(() => expect(screen.getAllByTestId("conversation-line").at(-1)!.textContent).toContain("Yes, swap it."));
  });
});
