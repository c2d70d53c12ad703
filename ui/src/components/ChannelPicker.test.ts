// The channel picker over 10,000 channels: only the rows in view exist in the page, a search
// narrows the list, and scrolling fetches the window it reaches.
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";

const backend = vi.hoisted(() => {
  const channels = Array.from({ length: 10_000 }, (_, i) => ({
    channelId: `C${String(i).padStart(5, "0")}`,
    name: i === 0 ? "general" : `channel-${String(i).padStart(5, "0")}`,
    isPrivate: i % 20 === 7,
    isArchived: false,
    isMember: true,
    memberCount: 3,
    topic: null,
  }));
  const calls: { query: string; offset: number }[] = [];
  const invoke = async (command: string, args: Record<string, unknown>) => {
    if (command !== "search_channels") throw { code: "invalid_input", message: command };
    const query = String(args.query).replace(/^#/, "").toLowerCase();
    const offset = Number(args.offset);
    calls.push({ query, offset });
    const hits = channels.filter((c) => c.name.includes(query));
    return { total: hits.length, offset, rows: hits.slice(offset, offset + Number(args.limit)), micros: 800 };
  };
  return { invoke, calls };
});
vi.mock("@tauri-apps/api/core", () => ({ invoke: backend.invoke, Channel: class {} }));

import ChannelPicker from "./ChannelPicker.svelte";

afterEach(() => cleanup());

describe("the channel picker", () => {
  it("renders a window of 10,000 channels, filters, and fetches where it scrolls", async () => {
    const picked = vi.fn();
    render(ChannelPicker, { teamId: "T1", onpick: picked, height: 400 });
    await waitFor(() => expect(screen.getByTestId("channel-count").textContent).toContain("10,000 channels"));
    await waitFor(() => expect(screen.getByText("general")).toBeTruthy());
    const rows = document.querySelectorAll(".row");
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(40);

    const list = screen.getByRole("listbox");
    list.scrollTop = 40 * 5000;
    await fireEvent.scroll(list);
    await waitFor(() => expect(screen.getByText("channel-05000")).toBeTruthy());
    expect(backend.calls.some((c) => c.offset === 5000)).toBe(true);
    expect(document.querySelectorAll(".row").length).toBeLessThan(40);

    await fireEvent.input(screen.getByTestId("channel-search"), { target: { value: "#channel-0999" } });
    await waitFor(() => expect(screen.getByTestId("channel-count").textContent).toContain("10 channels match"));
    await fireEvent.click(screen.getByText("channel-09990"));
    expect(picked).toHaveBeenCalledWith(expect.objectContaining({ channelId: "C09990" }));
  });
});
