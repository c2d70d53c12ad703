// Settings → Ingest API against a fake backend keeping the token's state and the port: the
// first token is made at once and shown once, a token in use is replaced only after asking,
// and the port is checked before it is saved.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";

const backend = vi.hoisted(() => {
  const state = {
    tokenExists: false,
    tokenCreatedAt: null as number | null,
    port: 7823,
    listening: "http://127.0.0.1:7823" as string | null,
    problem: null as string | null,
    rotations: 0,
    ports: [] as number[],
  };
  const invoke = async (command: string, args: Record<string, unknown> = {}) => {
    switch (command) {
      case "ingest_settings":
        return {
          tokenExists: state.tokenExists,
          tokenCreatedAt: state.tokenCreatedAt,
          port: state.port,
          listening: state.listening,
          problem: state.problem,
        };
      case "rotate_ingest_token":
        state.rotations += 1;
        state.tokenExists = true;
        state.tokenCreatedAt = Date.UTC(2026, 10, 23, 9, 30);
        return `sbi_secret-token-${state.rotations}`;
      case "set_ingest_port":
        state.ports.push(Number(args.port));
        state.port = Number(args.port);
        return null;
      default:
        throw { code: "invalid_input", message: `no command ${command}`, field: null, teamId: null };
    }
  };
  return { state, invoke };
});

vi.mock("@tauri-apps/api/core", () => ({ invoke: backend.invoke, Channel: class {} }));
vi.mock("@tauri-apps/api/event", () => ({}));

import IngestApiSettings from "./IngestApiSettings.svelte";

const writeText = vi.fn(async (_text: string) => {});

beforeEach(() => {
  Object.assign(backend.state, {
    tokenExists: false,
    tokenCreatedAt: null,
    port: 7823,
    listening: "http://127.0.0.1:7823",
    problem: null,
    rotations: 0,
    ports: [],
  });
  writeText.mockClear();
  Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
});
afterEach(() => cleanup());

describe("the ingest API settings", () => {
  it("makes the first token at once and shows it once, with a copy button", async () => {
    render(IngestApiSettings);
    const status = await screen.findByTestId("ingest-status");
    expect(status.textContent).toContain("Listening on http://127.0.0.1:7823");
    expect(screen.getByText("No token yet: make one; until then every request is refused.")).toBeTruthy();

    await fireEvent.click(screen.getByTestId("ingest-rotate"));
    const field = (await screen.findByTestId("ingest-token-value")) as HTMLInputElement;
    expect(screen.queryByTestId("ingest-rotate-confirm"), "no token was in use, so nothing to confirm").toBeNull();
    expect(backend.state.rotations).toBe(1);
    expect(field.value).toBe("sbi_secret-token-1");
    expect(field.readOnly).toBe(true);
    expect(screen.getByText(/Switchboard does not show it again/)).toBeTruthy();
    expect(screen.queryByText(/old token stopped working/), "there was no old token").toBeNull();
    await waitFor(() => expect(screen.getByText(/^Made on /)).toBeTruthy());

    await fireEvent.click(screen.getByTestId("ingest-copy"));
    expect(writeText).toHaveBeenCalledWith("sbi_secret-token-1");
    await waitFor(() => expect(screen.getByTestId("ingest-copy").textContent).toContain("Copied"));

    await fireEvent.click(screen.getByRole("button", { name: "I have copied it" }));
    expect(screen.queryByTestId("ingest-token-value"), "the token is not kept in the page").toBeNull();
  });

  it("asks before replacing a token that applications may be using", async () => {
    backend.state.tokenExists = true;
    backend.state.tokenCreatedAt = Date.UTC(2026, 9, 1, 8, 0);
    render(IngestApiSettings);
    await screen.findByText(/^Made on /);

    await fireEvent.click(screen.getByTestId("ingest-rotate"));
    expect(screen.getByText(/Applications using the current token will be refused until they use the new one/)).toBeTruthy();
    expect(backend.state.rotations, "nothing happens before the owner confirms").toBe(0);
    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByTestId("ingest-rotate-confirm")).toBeNull();
    expect(backend.state.rotations).toBe(0);

    await fireEvent.click(screen.getByTestId("ingest-rotate"));
    await fireEvent.click(screen.getByTestId("ingest-rotate-confirm"));
    const field = (await screen.findByTestId("ingest-token-value")) as HTMLInputElement;
    expect(backend.state.rotations).toBe(1);
    expect(field.value).toBe("sbi_secret-token-1");
    expect(screen.getByText(/The old token stopped working/)).toBeTruthy();
  });

  it("checks the port inline and saves it for the next start", async () => {
    render(IngestApiSettings);
    const input = (await screen.findByTestId("ingest-port")) as HTMLInputElement;
    const save = screen.getByTestId("ingest-port-save") as HTMLButtonElement;
    expect(input.value).toBe("7823");
    expect(save.disabled, "the stored port is unchanged").toBe(true);

    for (const [typed, problem] of [
      ["70000", "A port is from 1 to 65535."],
      ["0", "A port is from 1 to 65535."],
      ["80a", "A port is a whole number from 1 to 65535."],
      ["", "Enter a port from 1 to 65535."],
    ] as const) {
      await fireEvent.input(input, { target: { value: typed } });
      expect(screen.getByText(problem), `${JSON.stringify(typed)} is refused`).toBeTruthy();
      expect(input.getAttribute("aria-invalid")).toBe("true");
      expect(save.disabled).toBe(true);
    }

    await fireEvent.input(input, { target: { value: "8080" } });
    expect(input.getAttribute("aria-invalid")).toBe("false");
    expect(save.disabled).toBe(false);
    await fireEvent.click(save);
    await screen.findByText(/listens on port 8080 from its next start/);
    expect(backend.state.ports).toEqual([8080]);
    expect(
      screen.getByText("Port 8080 applies from the next start of Switchboard."),
      "this window still listens on the old port",
    ).toBeTruthy();
  });

  it("shows the curl example for the port it listens on", async () => {
    render(IngestApiSettings);
    await screen.findByTestId("ingest-status");
    const example = screen.getByText(/^curl -X POST/);
    expect(example.textContent).toContain("curl -X POST http://127.0.0.1:7823/v1/events");
    expect(example.textContent).toContain('-H "Authorization: Bearer $TOKEN"');
    expect(example.textContent).toContain('"kind":"invoice.sent"');
    await fireEvent.click(screen.getByRole("button", { name: /Copy example/ }));
    expect(writeText).toHaveBeenCalledWith(example.textContent);
    expect(screen.getByText("switchboard ingest-token --rotate")).toBeTruthy();
    expect(screen.getByText("switchboard serve")).toBeTruthy();
  });

  it("says why the API is not listening, or that it has not started", async () => {
    backend.state.listening = null;
    backend.state.problem = "Port 7823 is in use by another program: choose another port below.";
    render(IngestApiSettings);
    const status = await screen.findByTestId("ingest-status");
    expect(status.textContent).toContain("Not listening: Port 7823 is in use by another program");
    cleanup();

    backend.state.problem = null;
    render(IngestApiSettings);
    expect((await screen.findByTestId("ingest-status")).textContent).toContain("Not started");
  });
});
