// Staff conversations: who wrote to the app in Slack and nobody has read yet. The sidebar's
// Messages badge and the Messages view's "Unread" list read this; it reloads when Rust
// announces a conversation changed (a message came in, or one was read).
import { commands, unwrap } from "./api";
import type { UnreadConversation } from "./bindings";

class Conversations {
  unread = $state.raw<UnreadConversation[]>([]);
  /** Goes up on every change, so an open conversation reloads. */
  version = $state(0);
  readonly total = $derived(this.unread.reduce((sum, u) => sum + u.count, 0));

  async load(): Promise<void> {
    try {
      this.unread = await unwrap(commands.unreadConversations());
    } catch {
      // The counts are a hint; the conversation itself shows any error.
    }
  }

  changed(): void {
    this.version += 1;
    void this.load();
  }
}

export const conversationsState = new Conversations();
