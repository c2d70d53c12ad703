// Changes Rust announces (a workspace connected, checked, refreshed or synced; a round of
// health checks; the demo entered or left), so the views reload what changed instead of
// polling. One channel is opened when the console starts.
import { Channel } from "@tauri-apps/api/core";
import { commands, unwrap } from "./api";
import type { UiEvent } from "./bindings";
import { consoleState } from "./app.svelte";
import { workspacesState } from "./workspaces.svelte";
import { conversationsState } from "./conversations.svelte";

/** Counters the views watch: each goes up (at most every 300 ms) after Rust announced a change
 * of that area, so a view reloads what it shows in an `$effect` that reads the counter. */
export const changes = $state({ channels: 0, projects: 0, outbox: 0, events: 0, staff: 0, decisions: 0 });

const pending = new Set<keyof typeof changes>();
let bump: ReturnType<typeof setTimeout> | null = null;

/** Coalesces a burst (a thousand messages sent) into one reload per area. */
function changed(area: keyof typeof changes): void {
  pending.add(area);
  if (bump) return;
  bump = setTimeout(() => {
    bump = null;
    for (const a of pending) changes[a] += 1;
    pending.clear();
    void consoleState.refreshOverview();
  }, 300);
}

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
    case "channelsChanged":
      changed("channels");
      break;
    case "projectsChanged":
      changed("projects");
      break;
    case "staffChanged":
      changed("staff");
      break;
    case "outboxChanged":
      changed("outbox");
      break;
    case "eventReceived":
      changed("events");
      break;
    case "socketChanged":
      void consoleState.refreshSocket();
      break;
    case "inboundHandled":
      break;
    case "decisionMade":
      changed("decisions");
      break;
    case "conversationChanged":
      conversationsState.changed();
      break;
    case "profileChanged":
      for (const area of Object.keys(changes) as (keyof typeof changes)[]) changed(area);
      conversationsState.changed();
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
