// The shell rendered in jsdom, with Tauri's `invoke` answered by a fake backend that keeps the
// same state the Rust commands would. The end-to-end suite drives the real app.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";

const backend = vi.hoisted(() => {
  const state = {
    theme: "system",
    activity: [] as { id: number; at: number; actor: string; action: string; subject: string; oldValue: string | null; newValue: string | null }[],
    databaseError: null as string | null,
  };
  const overview = () => ({
    workspaces: 0, workspacesNeedingAttention: 0, directoryChannels: 0, notificationChannels: 0,
    projects: 0, staff: 0, linkedStaff: 0, templates: 0, events: 0, outboxPending: 0,
    outboxFailed: 0, auditEntries: state.activity.length,
  });
  const invoke = async (command: string, args?: Record<string, unknown>) => {
    switch (command) {
      case "app_info":
        return {
          version: "0.1.0",
          dataDir: "/home/ada/.local/share/app.switchboard.console",
          databasePath: "/home/ada/.local/share/app.switchboard.console/switchboard.sqlite3",
          databaseError: state.databaseError,
          slackApiBase: "https://slack.com/api/",
        };
      case "event_catalogue":
        return [{ id: "invoice.sent", group: "Invoices", label: "An invoice is sent", routing: "toggled_channels" }];
      case "overview":
        return overview();
      case "preferences":
        return { theme: state.theme };
      case "set_theme": {
        const theme = args?.theme as string;
        state.activity.unshift({ id: state.activity.length + 1, at: 0, actor: "owner", action: "setting.changed", subject: "Theme", oldValue: state.theme, newValue: theme });
        state.theme = theme;
        return { theme };
      }
      case "recent_activity":
        return state.activity;
      default:
        throw { code: "invalid_input", message: `no command ${command}` };
    }
  };
  return { state, invoke };
});

vi.mock("@tauri-apps/api/core", () => ({ invoke: backend.invoke, Channel: class {} }));
vi.mock("@tauri-apps/api/event", () => ({}));

import App from "./App.svelte";
import { consoleState } from "./lib/app.svelte";

beforeEach(() => {
  backend.state.theme = "system";
  backend.state.activity = [];
  backend.state.databaseError = null;
  consoleState.error = null;
  consoleState.loaded = false;
  history.replaceState(null, "", "#/workspaces");
  delete document.documentElement.dataset.theme;
});
afterEach(() => cleanup());

describe("the console shell", () => {
  it("shows every view in the sidebar and the version and database path in the status bar", async () => {
    render(App);
    const nav = screen.getByRole("navigation", { name: "Views" });
    expect([...nav.querySelectorAll("a")].map((a) => a.textContent?.trim())).toEqual([
      "Workspaces", "Channels", "Projects", "Staff", "Messages", "Activity", "Settings",
    ]);
    await screen.findByText("Connect your first Slack workspace");
    expect(screen.getByTestId("app-version").textContent).toContain("v0.1.0");
    expect(screen.getByTestId("database-path").textContent).toContain("switchboard.sqlite3");
    expect(screen.getByText("No workspace connected")).toBeTruthy();
  });

  it("navigates by click and by arrow keys, marking the current view", async () => {
    render(App);
    await screen.findByText("Connect your first Slack workspace");
    await fireEvent.click(screen.getByRole("link", { name: /Channels/ }));
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Channels");
    expect(location.hash).toBe("#/channels");
    expect(screen.getByRole("link", { name: /Channels/ }).getAttribute("aria-current")).toBe("page");

    await fireEvent.keyDown(screen.getByRole("link", { name: /Channels/ }), { key: "ArrowDown" });
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Projects");
    expect(document.activeElement?.textContent?.trim()).toBe("Projects");
  });

  it("sends the person to the prerequisite from an empty state", async () => {
    history.replaceState(null, "", "#/channels");
    render(App);
    const button = await screen.findByRole("button", { name: /Go to Workspaces/ });
    await fireEvent.click(button);
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Workspaces");
  });

  it("changes the theme from Settings and lists the change in Activity", async () => {
    history.replaceState(null, "", "#/settings");
    render(App);
    const dark = await screen.findByRole("radio", { name: /Dark/ });
    await fireEvent.click(dark);
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe("dark"));
    expect(backend.state.theme, "the choice reached the backend").toBe("dark");

    await fireEvent.click(screen.getByRole("link", { name: /Activity/ }));
    await screen.findByText("Changed Theme from system to dark");
  });

  it("shows why the database cannot be opened", async () => {
    backend.state.databaseError = "/data/switchboard.sqlite3 is not a Switchboard database";
    render(App);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("cannot open its database");
    expect(alert.textContent).toContain("is not a Switchboard database");
  });
});
