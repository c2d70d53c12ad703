// Whether Slack can reach Switchboard (Socket Mode), in the words the status bar, the workspace
// cards and Settings → Slack app use.
import type { SocketStatus } from "./bindings";

export type SocketTone = "ok" | "busy" | "warn" | "off";

export interface SocketSummary {
  tone: SocketTone;
  /** A few words: "Slack can reach Switchboard". */
  text: string;
  /** What is wrong and what to do, when it is not connected. */
  detail: string | null;
}

export function describeSocket(status: SocketStatus | null): SocketSummary {
  if (!status) return { tone: "off", text: "Slack cannot reach Switchboard", detail: null };
  const detail = status.detail ?? null;
  switch (status.state) {
    case "connected":
      return { tone: "ok", text: "Slack can reach Switchboard", detail: null };
    case "connecting":
      return { tone: "busy", text: "Connecting to Slack…", detail };
    case "retrying":
      return { tone: "warn", text: "Slack cannot reach Switchboard: reconnecting", detail };
    case "refused":
      return { tone: "warn", text: "Slack refused the app-level token", detail };
    case "not_configured":
      return { tone: "off", text: "Slack cannot reach Switchboard: no app-level token", detail };
    case "stopped":
      return { tone: "off", text: "Slack cannot reach Switchboard: not running", detail };
  }
}
