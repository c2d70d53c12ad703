import { describe, expect, it } from "vitest";
import type { SocketStatus } from "./bindings";
import { describeSocket } from "./socket";

const status = (state: SocketStatus["state"], detail: string | null = null): SocketStatus => ({
  state,
  sinceMs: 0,
  connections: state === "connected" ? 1 : 0,
  detail,
  retryAtMs: null,
  appId: null,
});

describe("describeSocket", () => {
  it("says Slack can reach Switchboard only when connected", () => {
    expect(describeSocket(status("connected"))).toEqual({
      tone: "ok",
      text: "Slack can reach Switchboard",
      detail: null,
    });
    for (const state of ["connecting", "retrying", "refused", "not_configured", "stopped"] as const) {
      expect(describeSocket(status(state)).text).not.toBe("Slack can reach Switchboard");
    }
    expect(describeSocket(null).tone).toBe("off");
  });

  it("keeps the core's sentence saying what to do", () => {
    const refused = describeSocket(status("refused", "The app-level token was revoked: generate a new one"));
    expect(refused.tone).toBe("warn");
    expect(refused.detail).toContain("revoked");
    expect(describeSocket(status("not_configured")).text).toContain("no app-level token");
  });
});
