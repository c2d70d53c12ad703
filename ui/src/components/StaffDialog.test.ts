// A member's details over a fake backend: Sign in with Slack is off, with the reason, until the
// Slack app has a client secret; then a click waits for the browser, links the member, and says
// to whom, with Rust's note when their Slack address is not theirs; a failed sign-in shows
// Rust's sentence and links nobody.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";

const backend = vi.hoisted(() => {
  const hours = { days: 31, start: "08:00", end: "18:00", timeZone: null, effectiveTimeZone: "Europe/Berlin", summary: "Mon–Fri 08:00–18:00 (Europe/Berlin)" };
  const link = {
    teamId: "T1", teamName: "Acme", workspaceStatus: "connected", slackUserId: "U9", userName: "nia", userEmail: "nia@slack.example",
    userDeleted: false, enabled: true, dm: { kind: "app", channelId: null, channelName: null, label: "Direct message from the app" },
    linkedBy: "sign_in", linkedAt: 0, switchedAt: null, switchedBy: null,
  };
  const member = (linked: boolean) => ({
    id: 2, externalId: null, name: "Nia None", email: "nia@example.com", role: "staff", managerId: null, managerName: null,
    active: true, state: linked ? "connected" : "not_linked", connected: linked,
    reason: linked ? "Connected to Slack as @nia in Acme" : "Not linked to a Slack user", switchable: linked, switchedOn: linked,
    matchState: null, matchDetail: null, link: linked ? link : null, links: linked ? 1 : 0, hours, createdAt: 0, updatedAt: 0,
  });
  const state = {
    linked: false,
    hasSecret: false,
    refuse: null as string | null,
    /** Set: the sign-in waits for the browser until `cancel_oauth`. */
    waitForCancel: false,
    cancelWaiting: null as (() => void) | null,
    calls: [] as { command: string; args: Record<string, unknown> }[],
  };
  const invoke = async (command: string, args: Record<string, unknown> = {}) => {
    state.calls.push({ command, args });
    switch (command) {
      case "staff_member":
        return { member: member(state.linked), links: state.linked ? [link] : [] };
      case "slack_app_setup":
        return {
          settings: { clientId: "1.2", redirectPort: 8765, oauthEnabled: true, botTokenEnabled: true },
          redirectUrl: "http://localhost:8765/callback", manifestJson: "{}", manifestYaml: "", botScopes: [], userScopes: [],
          hasClientSecret: state.hasSecret,
        };
      case "cancel_oauth":
        state.cancelWaiting?.();
        return null;
      case "sign_in_staff_member":
        if (state.waitForCancel) {
          await new Promise<void>((resolve) => (state.cancelWaiting = resolve));
          throw { code: "cancelled", message: "cancelled before Slack answered; nothing was changed", field: null, teamId: null };
        }
        if (state.refuse) throw { code: "invalid_input", message: state.refuse, field: "team", teamId: null };
        state.linked = true;
        return {
          member: member(true), teamId: "T1", teamName: "Acme", userId: "U9", userName: "nia", slackEmail: "nia@slack.example",
          note: "Their Slack address (nia@slack.example) is not the one Switchboard has for Nia None (nia@example.com): check that the right person signed in.",
        };
      default:
        throw { code: "invalid_input", message: `no command ${command}`, field: null, teamId: null };
    }
  };
  return { state, invoke };
});

vi.mock("@tauri-apps/api/core", () => ({ invoke: backend.invoke, Channel: class {} }));

import StaffDialog from "./StaffDialog.svelte";
import { workspacesState } from "../lib/workspaces.svelte";

beforeAll(() => {
  // jsdom has <dialog> but not its modal methods.
  HTMLDialogElement.prototype.showModal = function (this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close = function (this: HTMLDialogElement) {
    this.removeAttribute("open");
  };
});

beforeEach(() => {
  backend.state.calls = [];
  backend.state.linked = false;
  backend.state.refuse = null;
  backend.state.waitForCancel = false;
  workspacesState.cards = [{ teamId: "T1", name: "Acme" }] as never;
});
afterEach(() => cleanup());

function show() {
  const onchanged = vi.fn();
  render(StaffDialog, { props: { open: true, staffId: 2, onclose: () => {}, onchanged } });
  return onchanged;
}

const button = () => screen.getByTestId("staff-sign-in-button") as HTMLButtonElement;

describe("Sign in with Slack in a member's details", () => {
  it("is off, with what to do, until the Slack app has a client secret", async () => {
    backend.state.hasSecret = false;
    show();
    await waitFor(() => expect(screen.getByTestId("staff-sign-in-blocked").textContent).toContain("client secret"));
    expect(button().disabled).toBe(true);
  });

  it("links the member to the Slack user who signed in and shows Rust's note", async () => {
    backend.state.hasSecret = true;
    const onchanged = show();
    await waitFor(() => expect(button().disabled).toBe(false));
    await fireEvent.click(button());
    await waitFor(() =>
      expect(screen.getByTestId("staff-dialog-status").textContent).toContain("Nia None signed in with Slack and is linked to @nia in Acme."),
    );
    expect(backend.state.calls.find((c) => c.command === "sign_in_staff_member")?.args).toEqual({ id: 2, teamId: null });
    expect(screen.getByTestId("staff-sign-in-note").textContent).toContain("check that the right person signed in");
    expect(screen.getByTestId("staff-link").textContent).toContain("by signing in with Slack");
    expect(onchanged).toHaveBeenCalledOnce();
  });

  it("shows why a sign-in linked nobody", async () => {
    backend.state.hasSecret = true;
    backend.state.refuse = "Nia None signed in to Other Co, which Switchboard is not connected to. Nobody was linked.";
    const onchanged = show();
    await waitFor(() => expect(button().disabled).toBe(false));
    await fireEvent.click(button());
    await waitFor(() => expect(screen.getByTestId("staff-dialog-error").textContent).toContain("Nobody was linked"));
    expect(screen.queryByTestId("staff-link")).toBeNull();
    expect(onchanged).not.toHaveBeenCalled();
    expect(button().textContent).toContain("Sign in with Slack");
  });

  it("waits for the browser, and Cancel stops it without an error", async () => {
    backend.state.hasSecret = true;
    backend.state.waitForCancel = true;
    show();
    await waitFor(() => expect(button().disabled).toBe(false));
    await fireEvent.click(button());
    await waitFor(() => expect(button().textContent).toContain("Waiting for the browser"));
    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.getByTestId("staff-dialog-status").textContent).toContain("Sign-in cancelled: nobody was linked."));
    expect(backend.state.calls.some((c) => c.command === "cancel_oauth")).toBe(true);
    expect(screen.queryByTestId("staff-dialog-error")).toBeNull();
    expect(button().textContent).toContain("Sign in with Slack");
  });
});
