// The Workspaces view's state: the cards, connecting, checking, disconnecting, directory
// syncs with their progress, and the demo. Every call goes through the generated bindings.
import { Channel } from "@tauri-apps/api/core";
import { ApiError, commands, describeError, unwrap } from "./api";
import type { Connected, Disconnected, SyncOutcome, SyncProgress, WorkspaceCard } from "./bindings";
import { consoleState } from "./app.svelte";
import { plural } from "./format";

export type Notice = { kind: "success" | "info"; text: string };

/** Slack refused one of the workspace's tokens, and it works on with the other. */
export function isDegraded(card: WorkspaceCard): boolean {
  return card.status === "connected" && card.reconnectWith !== null && card.statusReason !== null;
}

export class WorkspacesState {
  cards = $state<WorkspaceCard[]>([]);
  loaded = $state(false);
  /** What the last action did, shown above the cards. */
  notice = $state<Notice | null>(null);
  /** An error of the last action, with what to do. */
  error = $state<string | null>(null);
  /** The OAuth flow is waiting for the browser. */
  waitingForBrowser = $state(false);
  /** Something is being connected (paste or OAuth or demo). */
  connecting = $state(false);
  checking = $state(false);
  /** Running syncs by team id. */
  syncs = $state<Record<string, SyncProgress>>({});

  async load(): Promise<void> {
    try {
      this.cards = await unwrap(commands.workspaces());
    } catch (error) {
      // An unavailable database is already explained by the shell's banner.
      if (!(error instanceof ApiError && error.code === "storage_unavailable")) {
        this.error = describeError(error);
      }
    } finally {
      this.loaded = true;
    }
  }

  private async afterChange(): Promise<void> {
    await this.load();
    await consoleState.refreshOverview();
  }

  private connectedNotice(connected: Connected, how: string): void {
    const done = connected.reconnect
      ? `Reconnected ${connected.name} ${how}. Its channels, toggles and links are kept.`
      : `Connected ${connected.name} ${how}.`;
    this.notice = connected.warning
      ? { kind: "info", text: `${done} ${connected.warning}` }
      : { kind: "success", text: done };
  }

  /** Records a sync's progress announced by Rust (a sync this window did not start, too). */
  progress(progress: SyncProgress): void {
    if (progress.phase === "done") return;
    this.syncs = { ...this.syncs, [progress.teamId]: progress };
  }

  async connectBotToken(token: string, refreshToken: string | null = null): Promise<boolean> {
    this.connecting = true;
    this.error = null;
    try {
      const connected = await unwrap(commands.connectBotToken(token, refreshToken || null));
      this.connectedNotice(connected, "with the app's bot token");
      await this.afterChange();
      void this.sync(connected.teamId, { quiet: true });
      return true;
    } catch (error) {
      this.error = describeError(error);
      return false;
    } finally {
      this.connecting = false;
    }
  }

  async connectOAuth(teamId: string | null = null): Promise<boolean> {
    this.connecting = true;
    this.waitingForBrowser = true;
    this.error = null;
    try {
      const connected = await unwrap(commands.connectOauth(teamId));
      this.connectedNotice(connected, "with Slack sign-in");
      await this.afterChange();
      void this.sync(connected.teamId, { quiet: true });
      return true;
    } catch (error) {
      this.error = describeError(error);
      return false;
    } finally {
      this.connecting = false;
      this.waitingForBrowser = false;
    }
  }

  async cancelOAuth(): Promise<void> {
    await commands.cancelOauth();
  }

  async startDemo(): Promise<void> {
    this.connecting = true;
    this.waitingForBrowser = true;
    this.error = null;
    try {
      const connected = await unwrap(commands.startDemo());
      await consoleState.load();
      this.notice = {
        kind: "success",
        text: `You are exploring the demo workspace ${connected.name}. Nothing here reaches a real Slack.`,
      };
      await this.afterChange();
      const card = this.cards.find((c) => c.teamId === connected.teamId);
      if (card) await this.sync(card.teamId);
    } catch (error) {
      this.error = describeError(error);
      await consoleState.load();
      await this.load();
    } finally {
      this.connecting = false;
      this.waitingForBrowser = false;
    }
  }

  async leaveDemo(): Promise<void> {
    await commands.leaveDemo();
    this.notice = null;
    this.error = null;
    await consoleState.load();
    await this.load();
  }

  async check(): Promise<void> {
    this.checking = true;
    this.error = null;
    try {
      this.cards = await unwrap(commands.checkWorkspaces());
      const sick = this.cards.filter((c) => c.status === "needs_reconnect").length;
      const partly = this.cards.filter(isDegraded).length;
      this.notice = {
        kind: sick + partly > 0 ? "info" : "success",
        text:
          sick > 0
            ? `Checked with Slack: ${plural(sick, "workspace needs", "workspaces need")} reconnecting.`
            : partly > 0
              ? `Checked with Slack: ${plural(partly, "workspace works", "workspaces work")} with one of its tokens refused; the card says what is lost.`
              : "Checked with Slack: every workspace is healthy.",
      };
      await consoleState.refreshOverview();
    } catch (error) {
      this.error = describeError(error);
      await this.load();
    } finally {
      this.checking = false;
    }
  }

  async disconnect(teamId: string, keepMappings: boolean): Promise<Disconnected | null> {
    this.error = null;
    try {
      const done = await unwrap(commands.disconnectWorkspace(teamId, keepMappings));
      this.notice = {
        kind: "success",
        text: keepMappings
          ? `Disconnected ${done.name}. Its channels, toggles and links are kept for when you reconnect.`
          : `Disconnected ${done.name} and removed its channels, toggles and links.`,
      };
      if (done.warning) this.error = done.warning;
      await this.afterChange();
      return done;
    } catch (error) {
      this.error = describeError(error);
      return null;
    }
  }

  /** Syncs a workspace's directory; `quiet` (after connecting) leaves the notice alone and
   * lets the card's progress bar and counts speak. */
  async sync(teamId: string, { quiet = false } = {}): Promise<SyncOutcome | null> {
    if (this.syncs[teamId]) return null;
    const channel = new Channel<SyncProgress>();
    channel.onmessage = (progress) => {
      this.syncs = { ...this.syncs, [teamId]: progress };
    };
    this.syncs = {
      ...this.syncs,
      [teamId]: { teamId, phase: "channels", channels: 0, users: 0, requests: 0, resumed: false },
    };
    this.error = null;
    try {
      const outcome = await unwrap(commands.syncDirectory(teamId, channel));
      const name = this.cards.find((c) => c.teamId === teamId)?.name ?? teamId;
      if (!quiet) this.notice = {
        kind: outcome.cancelled ? "info" : "success",
        text: outcome.cancelled
          ? `Stopped syncing ${name}; the ${plural(outcome.channels, "channel")} and ${plural(outcome.users, "user")} read so far are kept, and the next sync continues from there.`
          : `Synced ${name}: ${plural(outcome.channels, "channel")} and ${plural(outcome.users, "user")}${outcome.resumed ? " (continuing the sync that was interrupted)" : ""}.`,
      };
      await this.afterChange();
      return outcome;
    } catch (error) {
      const name = this.cards.find((c) => c.teamId === teamId)?.name ?? teamId;
      this.error = `The directory of ${name} could not be synced. ${describeError(error)}`;
      return null;
    } finally {
      const { [teamId]: _done, ...rest } = this.syncs;
      this.syncs = rest;
    }
  }

  async cancelSync(teamId: string): Promise<void> {
    await commands.cancelSync(teamId);
  }
}

export const workspacesState = new WorkspacesState();
