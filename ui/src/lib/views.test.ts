import { describe, expect, it } from "vitest";
import { DEFAULT_VIEW, VIEWS, VIEW_IDS, hashFor, neighbour, viewFromHash } from "./views";

describe("views", () => {
  it("lists the seven views of the console in sidebar order", () => {
    expect(VIEWS.map((v) => v.label)).toEqual([
      "Workspaces",
      "Channels",
      "Projects",
      "Staff",
      "Messages",
      "Activity",
      "Settings",
    ]);
    expect(VIEWS.map((v) => v.id)).toEqual([...VIEW_IDS]);
  });

  it("routes hashes to views and falls back to the default for unknown ones", () => {
    const cases: [string, string][] = [
      ["#/channels", "channels"],
      ["#staff", "staff"],
      ["#/settings/slack", "settings"],
      ["#/nowhere", DEFAULT_VIEW],
      ["", DEFAULT_VIEW],
    ];
    for (const [hash, view] of cases) expect(viewFromHash(hash), hash).toBe(view);
    for (const id of VIEW_IDS) expect(viewFromHash(hashFor(id))).toBe(id);
  });

  it("moves between neighbours and wraps at both ends", () => {
    expect(neighbour("workspaces", 1)).toBe("channels");
    expect(neighbour("workspaces", -1)).toBe("settings");
    expect(neighbour("settings", 1)).toBe("workspaces");
  });
});

import { formatCompactTime } from "./format";

describe("compact times for dense lists", () => {
  const now = new Date(2026, 10, 24, 15, 0, 0).getTime();
  it("shows the time alone today, the day this year, the date before", () => {
    expect(formatCompactTime(new Date(2026, 10, 24, 14, 5, 9).getTime(), now, "en-GB")).toBe("14:05:09");
    expect(formatCompactTime(new Date(2026, 10, 22, 14, 5).getTime(), now, "en-GB")).toBe("22 Nov, 14:05");
    expect(formatCompactTime(new Date(2025, 10, 22, 14, 5).getTime(), now, "en-GB")).toBe("22 Nov 2025");
  });
});
