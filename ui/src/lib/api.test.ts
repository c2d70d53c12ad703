import { describe, expect, it } from "vitest";
import { ApiError, describeError, unwrap } from "./api";

describe("unwrap", () => {
  it("returns data of an ok result", async () => {
    await expect(unwrap(Promise.resolve({ status: "ok" as const, data: 7 }))).resolves.toBe(7);
  });

  it("throws an ApiError carrying the code of an error result", async () => {
    const failed = Promise.resolve({
      status: "error" as const,
      error: { code: "invalid_input" as const, message: "choose system, light or dark" },
    });
    const error = await unwrap(failed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("invalid_input");
    expect(describeError(error)).toBe("choose system, light or dark");
  });

  it("describes anything thrown in words a person can read", () => {
    expect(describeError("plain text")).toBe("plain text");
    expect(describeError(42)).toMatch(/Restart/);
  });
});
