// Changes Rust announces (a workspace connected, checked, refreshed or synced; a round of
// health checks; the demo entered or left), so the views reload what changed instead of
// polling. One channel is opened when the console starts.
import { Channel } from "@tauri-apps/api/core";
import { commands, unwrap } from "./api";
import type { UiEvent } from "./bindings";
import { consoleState } from "./app.svelte";
import { workspacesState } from "./workspaces.svelte";

let reload: ReturnType<typeof setTimeout> | null = null;

/** Coalesces a burst of changes (a sync's pages, a round of checks) into one reload. */
function reloadSoon(): void {
  if (reload) return;
  reload = setTimeout(() => {
    reload = null;
    void workspacesState.load();
    void consoleState.refreshOverview();
  }, 250);
}

export function handle(event: UiEvent): void {
  switch (event.kind) {
    case "workspaceChanged":
    case "healthChecked":
      reloadSoon();
      break;
    case "syncProgress":
      workspacesState.progress(event);
      break;
    case "profileChanged":
      void consoleState.load().then(() => workspacesState.load());
      break;
  }
}

/** Opens the event channel; safe to call once at start. */
export async function subscribe(): Promise<void> {
  const channel = new Channel<UiEvent>();
  channel.onmessage = handle;
  await unwrap(commands.subscribeEvents(channel));
}
