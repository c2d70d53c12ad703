// The console's shared state: build facts, counts, preferences, and the last error to show.
// Views read it; loading goes through the generated bindings.
import { commands, describeError, unwrap } from "./api";
import type { AppInfo, EventKindInfo, KeyringStatus, Overview, Preferences, SocketStatus, Theme } from "./bindings";
import { applyTheme } from "./theme";

export class ConsoleState {
  info = $state<AppInfo | null>(null);
  overview = $state<Overview | null>(null);
  preferences = $state<Preferences>({ theme: "system" });
  catalogue = $state<EventKindInfo[]>([]);
  /** An error to show in the banner, with what to do about it. */
  error = $state<string | null>(null);
  loaded = $state(false);
  /** Whether the system keyring answers; `null` until asked. */
  keyring = $state<KeyringStatus | null>(null);
  checkingKeyring = $state(false);
  /** Whether Slack can reach Switchboard now (Socket Mode); `null` until asked. */
  socket = $state<SocketStatus | null>(null);

  /** Loads everything the shell needs; an unavailable database shows in the banner. */
  async load(): Promise<void> {
    try {
      this.info = await unwrap(commands.appInfo());
      this.catalogue = await commands.eventCatalogue();
      if (this.info.databaseError) {
        this.error = `Switchboard cannot open its database. ${this.info.databaseError}`;
      } else {
        this.preferences = await unwrap(commands.preferences());
        applyTheme(this.preferences.theme);
        await this.refreshOverview();
        await this.refreshSocket();
        await this.checkKeyring();
      }
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.loaded = true;
    }
  }

  async refreshOverview(): Promise<void> {
    try {
      this.overview = await unwrap(commands.overview());
    } catch (error) {
      this.error = describeError(error);
    }
  }

  async refreshSocket(): Promise<void> {
    try {
      this.socket = await commands.socketStatus();
    } catch (error) {
      this.error = describeError(error);
    }
  }

  async setTheme(theme: Theme): Promise<void> {
    const previous = this.preferences.theme;
    // Apply at once so the choice feels instant; roll back if it could not be saved.
    applyTheme(theme);
    this.preferences = { ...this.preferences, theme };
    try {
      this.preferences = await unwrap(commands.setTheme(theme));
      await this.refreshOverview();
    } catch (error) {
      applyTheme(previous);
      this.preferences = { ...this.preferences, theme: previous };
      this.error = `Your theme could not be saved. ${describeError(error)}`;
    }
  }

  /** Asks whether the keyring can be used now (at start, and on *Try again*: a keyring
   * started or unlocked meanwhile works without restarting Switchboard). */
  async checkKeyring(): Promise<void> {
    this.checkingKeyring = true;
    try {
      this.keyring = await unwrap(commands.keyringStatus());
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.checkingKeyring = false;
    }
  }

  dismissError(): void {
    this.error = null;
  }
}

export const consoleState = new ConsoleState();
