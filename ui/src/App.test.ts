// The shell rendered in jsdom, with Tauri's `invoke` answered by a fake backend that keeps the
// same state the Rust commands would. The end-to-end suite drives the real app.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";

const backend = vi.hoisted(() => {
  const state = {
    theme: "system",
    activity: [] as { id: number; at: number; actor: string; action: string; subject: string; oldValue: string | null; newValue: string | null }[],
    databaseError: null as string | null,
    workspaces: [] as Record<string, unknown>[],
  };
  const overview = () => ({
    workspaces: state.workspaces.length,
    workspacesNeedingAttention: state.workspaces.filter((w) => w.status === "needs_reconnect").length,
    directoryChannels: 0, notificationChannels: 0,
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
      case "ingest_settings":
        return { tokenExists: false, tokenCreatedAt: null, port: 7823, listening: null, problem: null };
      case "notification_channels":
        return [];
      case "integration":
        return { enabled: true, held: 0 };
      case "templates":
        return [];
      case "projects":
        return { items: [], total: 0, next: null };
      case "timeline":
        return { entries: [], next: null };
      case "workspaces":
        if (state.databaseError) throw { code: "storage_unavailable", message: state.databaseError };
        return state.workspaces;
      case "workspace_icon":
        return args?.teamId === "T2" ? "data:image/png;base64,iVBORw0KGgo=" : null;
      case "slack_app_setup":
        return {
          settings: { clientId: "", redirectPort: 8765, oauthEnabled: true, botTokenEnabled: true },
          redirectUrl: "http://localhost:8765/callback",
          manifestJson: '{"oauth_config":{"redirect_urls":["http://localhost:8765/callback"]}}',
          manifestYaml: 'oauth_config:\n  redirect_urls:\n    - "http://localhost:8765/callback"\n',
          botScopes: [{ scope: "chat:write", why: "Post notifications." }],
          userScopes: [{ scope: "chat:write", why: "Post as you." }],
        };
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
  backend.state.workspaces = [];
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

  it("changes the theme from Settings and lists the change in the audit log", async () => {
    history.replaceState(null, "", "#/settings");
    render(App);
    const dark = await screen.findByRole("radio", { name: /Dark/ });
    await fireEvent.click(dark);
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe("dark"));
    expect(backend.state.theme, "the choice reached the backend").toBe("dark");

    // The audit log (Settings) follows the overview's count of entries.
    await screen.findByText("Changed Theme from system to dark");
  });

  it("shows why the database cannot be opened", async () => {
    backend.state.databaseError = "/data/switchboard.sqlite3 is not a Switchboard database";
    render(App);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("cannot open its database");
    expect(alert.textContent).toContain("is not a Switchboard database");
  });

  it("shows each workspace as a card and asks to reconnect the one Slack refused", async () => {
    const card = (teamId: string, name: string, status: string, statusReason: string | null) => ({
      teamId, name, domain: name.toLowerCase().replace(/ /g, "-"), iconUrl: null, mode: "bot token",
      hasBotToken: true, hasUserToken: false, status, statusReason,
      reconnectWith: status === "needs_reconnect" ? "bot_token" : null, botScopes: ["chat:write"],
      userScopes: [], scopeProblems: status === "connected" ? ["Direct messages to staff will fail: Slack did not grant im:write."] : [],
      botUserId: "U1", authedUserId: null, connectedBy: "ada", connectedAt: 0, lastHealthCheckAt: null,
      directorySyncedAt: null, tokenExpiresAt: null, refreshExpiresAt: null, channels: 0, users: 0, isDemo: false,
    });
    backend.state.workspaces = [
      card("T1", "Acme Studio", "needs_reconnect", "The bot token was revoked in Slack (token_revoked)."),
      {
        ...card("T2", "Northwind Traders", "connected", null),
        iconUrl: "https://avatars.example/T2.png",
        hasUserToken: true,
        refreshExpiresAt: Date.now() + 24 * 3600 * 1000,
      },
    ];
    render(App);
    const banner = await screen.findByTestId("reconnect-banner");
    expect(banner.textContent).toContain("Acme Studio needs reconnecting.");
    expect(banner.textContent).toContain("token_revoked");
    const cards = document.querySelectorAll("article.workspace");
    expect([...cards].map((c) => c.getAttribute("data-status"))).toEqual(["needs_reconnect", "connected"]);
    expect(cards[1]!.textContent).toContain("im:write");
    // The icon comes from Rust as a data: URL; a card without one shows the initials.
    await waitFor(() => expect(cards[1]!.querySelector("img.avatar")?.getAttribute("src")).toMatch(/^data:image\/png/));
    expect(cards[0]!.querySelector(".avatar")?.textContent).toBe("AS");
    // A sign-in that ends within three days says so before deliveries stop.
    expect(cards[1]!.querySelector("[data-testid='renew-soon']")?.textContent).toContain("Sign in again");
    expect(cards[0]!.querySelector("[data-testid='renew-soon']")).toBeNull();
    expect(screen.getByText("2 workspaces connected, 1 need attention")).toBeTruthy();
  });

  it("offers the Slack app manifest with the exact redirect URL in Settings", async () => {
    history.replaceState(null, "", "#/settings");
    render(App);
    const redirect = await screen.findByTestId("redirect-url");
    expect(redirect.textContent).toBe("http://localhost:8765/callback");
    const manifest = (await screen.findByTestId("manifest")) as HTMLTextAreaElement;
    await waitFor(() => expect(manifest.value).toContain("redirect_urls"));
  });
});
