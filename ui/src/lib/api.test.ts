import { describe, expect, it } from "vitest";
import { ApiError, describeError, unwrap } from "./api";

describe("unwrap", () => {
  it("returns data of an ok result", async () => {
    await expect(unwrap(Promise.resolve({ status: "ok" as const, data: 7 }))).resolves.toBe(7);
  });

  it("throws an ApiError carrying the code of an error result", async () => {
    const failed = Promise.resolve({
      status: "error" as const,
      error: { code: "invalid_input" as const, message: "choose system, light or dark", field: "theme", teamId: null },
    });
    const error = await unwrap(failed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("invalid_input");
    expect((error as ApiError).field).toBe("theme");
    expect(describeError(error)).toBe("choose system, light or dark");
  });

  it("adds what to do for the codes whose sentence only says what happened", () => {
    const bare = new ApiError({ code: "storage", message: "disk I/O error.", field: null, teamId: null });
    expect(describeError(bare)).toBe("disk I/O error. Try again; if it keeps failing, restart Switchboard.");
    const said = new ApiError({ code: "needs_reconnect", message: "The bot token was revoked. Reconnect to restore it.", field: null, teamId: "T1" });
    expect(describeError(said)).toBe("The bot token was revoked. Reconnect to restore it.");
    expect(said.teamId).toBe("T1");
  });

  it("describes anything thrown in words a person can read", () => {
    expect(describeError("plain text")).toBe("plain text");
    expect(describeError(42)).toMatch(/Restart/);
  });
});
