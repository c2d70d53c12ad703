// The Projects view over a fake backend that keeps projects and channels as the Rust commands
// would: 10,000 projects scroll in a window, the search is debounced and late answers are
// dropped, a project's channel is assigned from its row, projects are added, edited and
// archived (after a confirmation), and a CSV file is previewed row by row and imported whole.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";

const backend = vi.hoisted(() => {
  type StoredProject = {
    id: number;
    externalId: string | null;
    name: string;
    client: string | null;
    active: boolean;
    channel: number | null;
  };
  type StoredChannel = {
    id: number;
    teamId: string;
    workspaceName: string;
    channelId: string;
    name: string | null;
    isPrivate: boolean;
    isArchived: boolean;
    isMember: boolean;
    enabled: boolean;
    threadPerObject: boolean;
    isDefault: boolean;
    kinds: string[];
  };
  type Row = {
    line: number;
    action: string;
    projectId: number | null;
    externalId: string | null;
    name: string;
    client: string | null;
    active: boolean;
    channel: null;
    changes: string[];
    errors: { column: string; message: string }[];
  };

  const state = {
    projects: [] as StoredProject[],
    channels: [] as StoredChannel[],
    calls: [] as { command: string; args: Record<string, unknown> }[],
    /** Milliseconds the `projects` command waits before answering a search. */
    delays: {} as Record<string, number>,
    nextId: 1,
  };

  const pad = (i: number) => String(i).padStart(5, "0");

  function seed(count: number) {
    state.projects = Array.from({ length: count }, (_, i) => ({
      id: i + 1,
      externalId: `P-${pad(i)}`,
      name: `Project ${pad(i)}`,
      client: i % 3 === 0 ? "Globex GmbH" : null,
      active: true,
      channel: null,
    }));
    state.nextId = count + 1;
  }

  function channel(id: number, name: string, enabled: boolean): StoredChannel {
    return {
      id, teamId: "T1", workspaceName: "Acme", channelId: `C${id}`, name, isPrivate: false,
      isArchived: false, isMember: true, enabled, threadPerObject: true, isDefault: false, kinds: [],
    };
  }

  function view(p: StoredProject) {
    const c = state.channels.find((ch) => ch.id === p.channel);
    return {
      id: p.id,
      externalId: p.externalId,
      name: p.name,
      client: p.client,
      active: p.active,
      channel: c ? { id: c.id, teamId: c.teamId, channelId: c.channelId, name: `#${c.name}`, enabled: c.enabled } : null,
      updatedAt: 0,
    };
  }

  function find(id: unknown): StoredProject {
    const project = state.projects.find((p) => p.id === id);
    if (!project) throw { code: "not_found", message: `There is no project ${String(id)}.`, field: null, teamId: null };
    return project;
  }

  function refuseTakenId(externalId: string | null, except: number | null) {
    const other = state.projects.find((p) => externalId !== null && p.externalId === externalId && p.id !== except);
    if (other) {
      throw {
        code: "invalid_input",
        field: "external_id",
        teamId: null,
        message: `The project "${other.name}" already has the external id "${externalId}": give this one another id, or edit that project.`,
      };
    }
  }

  /** A small stand-in for Rust's CSV planning: name and external_id columns, comma-separated. */
  function plan(csv: string) {
    const [header = "", ...lines] = csv.trim().split("\n");
    const columns = header.split(",");
    const rows: Row[] = lines.map((line, i) => {
      const cells = line.split(",");
      const cell = (column: string) => {
        const at = columns.indexOf(column);
        return at < 0 ? "" : (cells[at] ?? "");
      };
      const name = cell("name");
      const externalId = cell("external_id") || null;
      const existing = externalId ? state.projects.find((p) => p.externalId === externalId) : undefined;
      const errors = name ? [] : [{ column: "name", message: "A project needs a name." }];
      const action = errors.length > 0 ? "error" : !existing ? "create" : existing.name === name ? "unchanged" : "update";
      return {
        line: i + 2, action, projectId: existing?.id ?? null, externalId, name, client: null, active: true,
        channel: null, changes: action === "update" ? ["name"] : [], errors,
      };
    });
    const count = (action: string) => rows.filter((r) => r.action === action).length;
    return {
      rows,
      creates: count("create"),
      updates: count("update"),
      unchanged: count("unchanged"),
      errors: count("error"),
      ignoredColumns: columns.filter((c) => !["name", "external_id", "client", "active", "channel"].includes(c)),
      imported: false,
    };
  }

  const invoke = async (command: string, args: Record<string, unknown> = {}) => {
    state.calls.push({ command, args });
    switch (command) {
      case "projects": {
        const search = String(args.search);
        const delay = state.delays[search] ?? 0;
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        const needle = search.toLowerCase();
        const hits = state.projects
          .filter((p) => args.includeArchived === true || p.active)
          .filter((p) => needle === "" || [p.name, p.client ?? "", p.externalId ?? ""].some((t) => t.toLowerCase().includes(needle)))
          .sort((a, b) => {
            const x = a.name.toLowerCase();
            const y = b.name.toLowerCase();
            return x < y ? -1 : x > y ? 1 : a.id - b.id;
          });
        const offset = Number(args.offset);
        return { items: hits.slice(offset, offset + Number(args.limit)).map(view), total: hits.length, next: null };
      }
      case "notification_channels":
        return state.channels;
      case "add_project": {
        const externalId = (args.externalId as string | null) ?? null;
        refuseTakenId(externalId, null);
        const project = {
          id: state.nextId++, name: String(args.name).trim(), client: (args.client as string | null) ?? null,
          externalId, active: true, channel: null,
        };
        state.projects.push(project);
        return view(project);
      }
      case "edit_project": {
        const project = find(args.id);
        const externalId = String(args.externalId).trim() || null;
        refuseTakenId(externalId, project.id);
        project.name = String(args.name).trim();
        project.client = String(args.client).trim() || null;
        project.externalId = externalId;
        return view(project);
      }
      case "set_project_active": {
        const project = find(args.id);
        project.active = args.active === true;
        return view(project);
      }
      case "assign_project_channel": {
        const project = find(args.id);
        project.channel = (args.channel as number | null) ?? null;
        return view(project);
      }
      case "preview_project_import":
        return plan(String(args.csv));
      case "import_projects": {
        const summary = plan(String(args.csv));
        if (summary.errors > 0) {
          throw { code: "invalid_input", field: "csv", teamId: null, message: "1 row has errors; nothing was imported." };
        }
        for (const row of summary.rows) {
          if (row.action === "create") {
            state.projects.push({ id: state.nextId++, name: row.name, client: null, externalId: row.externalId, active: true, channel: null });
          } else if (row.action === "update") {
            find(row.projectId).name = row.name;
          }
        }
        return { ...summary, imported: true };
      }
      default:
        throw { code: "invalid_input", message: `no command ${command}`, field: null, teamId: null };
    }
  };

  return { state, invoke, seed, channel };
});

vi.mock("@tauri-apps/api/core", () => ({ invoke: backend.invoke, Channel: class {} }));

import ProjectsView from "./ProjectsView.svelte";

const calls = (command: string) => backend.state.calls.filter((c) => c.command === command).map((c) => c.args);

/** Puts `csv` in the file input as the file `name`, as choosing it in the file picker would. */
async function chooseFile(csv: string, name = "projects.csv", size?: number) {
  const input = screen.getByTestId("project-import-file") as HTMLInputElement;
  const file = new File([csv], name, { type: "text/csv" });
  // jsdom's File has no text(); the browser's reads the file the same way.
  Object.defineProperty(file, "text", { value: () => Promise.resolve(csv) });
  if (size !== undefined) Object.defineProperty(file, "size", { value: size });
  Object.defineProperty(input, "files", { value: [file], configurable: true });
  await fireEvent.change(input);
}

const count = () => screen.getByTestId("project-count").textContent ?? "";
const shownRows = () => screen.getAllByTestId("project-row");

beforeAll(() => {
  // jsdom has <dialog> but not its modal methods.
  HTMLDialogElement.prototype.showModal = function (this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close = function (this: HTMLDialogElement) {
    if (!this.hasAttribute("open")) return;
    this.removeAttribute("open");
    this.dispatchEvent(new Event("close"));
  };
});

beforeEach(() => {
  backend.seed(10_000);
  backend.state.channels = [backend.channel(1, "design", true), backend.channel(2, "sales", false)];
  backend.state.calls = [];
  backend.state.delays = {};
});
afterEach(() => cleanup());

describe("the Projects view", () => {
  it("shows 10,000 projects in a window and fetches the block it scrolls to", async () => {
    render(ProjectsView, { onnavigate: vi.fn() });
    await waitFor(() => expect(count()).toBe("10,000 projects"));
    const rows = shownRows();
    expect(rows.length, "only the rows in view are in the page").toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(60);
    expect(rows[0]!.dataset.externalId).toBe("P-00000");
    expect(rows[0]!.dataset.projectId).toBe("1");
    expect(calls("projects")[0], "blocks of 100 by offset").toMatchObject({ offset: 0, limit: 100, search: "", includeArchived: false });

    const list = screen.getByTestId("project-list");
    list.scrollTop = 48 * 5000;
    await fireEvent.scroll(list);
    await waitFor(() => expect(screen.getByText("Project 05000")).toBeTruthy());
    expect(calls("projects").some((a) => a.offset === 5000), "the block scrolled to was fetched").toBe(true);
    expect(shownRows().length).toBeLessThan(60);
    expect(list.getAttribute("aria-rowcount")).toBe("10001");
  });

  it("debounces the search and ignores an answer that comes after a newer one", async () => {
    backend.state.delays["Project 0001"] = 300;
    render(ProjectsView, { onnavigate: vi.fn() });
    await waitFor(() => expect(count()).toBe("10,000 projects"));
    const search = screen.getByTestId("project-search");
    for (const value of ["P", "Pr", "Project 0001"]) await fireEvent.input(search, { target: { value } });
    await waitFor(() => expect(calls("projects").some((a) => a.search === "Project 0001")).toBe(true));
    expect(calls("projects").some((a) => a.search === "P" || a.search === "Pr"), "typing is not a search per key").toBe(false);

    await fireEvent.input(search, { target: { value: "Project 00002" } });
    await waitFor(() => expect(count()).toBe("1 project matches “Project 00002”"));
    // The slow answer to the earlier search arrives now and must not replace the newer one.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(count()).toBe("1 project matches “Project 00002”");
    expect(shownRows().map((r) => r.dataset.externalId)).toEqual(["P-00002"]);
  });

  it("assigns a channel from the row and marks a disabled one", async () => {
    render(ProjectsView, { onnavigate: vi.fn() });
    await waitFor(() => expect(shownRows().length).toBeGreaterThan(0));
    const row = shownRows()[0]!;
    const select = within(row).getByTestId("project-channel") as HTMLSelectElement;
    await waitFor(() => expect([...select.options].map((o) => o.textContent)).toEqual([
      "No channel", "#design (Acme)", "#sales (Acme) — disabled",
    ]));
    expect(select.value).toBe("");

    await fireEvent.change(select, { target: { value: "2" } });
    await waitFor(() => expect(calls("assign_project_channel")).toEqual([{ id: 1, channel: 2 }]));
    await waitFor(() => expect(within(row).getByTestId("project-channel-disabled")).toBeTruthy());
    expect(select.value).toBe("2");
    expect(screen.getByTestId("project-notice").textContent).toContain("now go to #sales (Acme)");
    expect(screen.getByTestId("project-notice").textContent).toContain("disabled");

    await fireEvent.change(select, { target: { value: "" } });
    await waitFor(() => expect(calls("assign_project_channel")[1]).toEqual({ id: 1, channel: null }));
    await waitFor(() => expect(within(row).queryByTestId("project-channel-disabled")).toBeNull());
    expect(backend.state.projects[0]!.channel).toBeNull();
  });

  it("adds a project, showing the backend's refusal on the field it names", async () => {
    render(ProjectsView, { onnavigate: vi.fn() });
    await waitFor(() => expect(count()).toBe("10,000 projects"));
    await fireEvent.click(screen.getByTestId("add-project"));
    await fireEvent.click(screen.getByTestId("project-save"));
    expect(screen.getByTestId("project-error").textContent, "an empty name is refused at once").toContain("needs a name");
    expect(calls("add_project")).toEqual([]);

    await fireEvent.input(screen.getByTestId("project-name"), { target: { value: "Website relaunch" } });
    await fireEvent.input(screen.getByTestId("project-external-id"), { target: { value: "P-00001" } });
    await fireEvent.click(screen.getByTestId("project-save"));
    await waitFor(() => expect(screen.getByTestId("project-error").textContent).toContain("already has the external id"));
    expect(document.activeElement).toBe(screen.getByTestId("project-external-id"));
    expect(screen.getByTestId("project-external-id").getAttribute("aria-invalid")).toBe("true");

    await fireEvent.input(screen.getByTestId("project-external-id"), { target: { value: "web-1" } });
    await fireEvent.click(screen.getByTestId("project-save"));
    await waitFor(() => expect(screen.queryByTestId("project-name"), "the dialog closed").toBeNull());
    expect(calls("add_project").at(-1)).toEqual({ name: "Website relaunch", client: null, externalId: "web-1" });
    expect(screen.getByTestId("project-notice").textContent).toContain("Added “Website relaunch”");
    await waitFor(() => expect(count()).toBe("10,001 projects"));
  });

  it("edits a project; an emptied client is removed", async () => {
    render(ProjectsView, { onnavigate: vi.fn() });
    await waitFor(() => expect(shownRows().length).toBeGreaterThan(0));
    await fireEvent.click(within(shownRows()[0]!).getByTestId("project-edit"));
    const name = screen.getByTestId("project-name") as HTMLInputElement;
    expect(name.value).toBe("Project 00000");
    expect((screen.getByTestId("project-client") as HTMLInputElement).value).toBe("Globex GmbH");
    expect((screen.getByTestId("project-external-id") as HTMLInputElement).value).toBe("P-00000");

    await fireEvent.input(name, { target: { value: "Apollo" } });
    await fireEvent.input(screen.getByTestId("project-client"), { target: { value: "" } });
    await fireEvent.click(screen.getByTestId("project-save"));
    await waitFor(() => expect(calls("edit_project")).toEqual([{ id: 1, name: "Apollo", client: "", externalId: "P-00000" }]));
    await waitFor(() => expect(screen.getByTestId("project-notice").textContent).toContain("Saved “Apollo”"));
    const row = shownRows().find((r) => r.dataset.projectId === "1")!;
    expect(row.textContent).toContain("Apollo");
    expect(row.textContent).toContain("No client");
  });

  it("archives a project after confirming and unarchives it", async () => {
    backend.state.projects[0]!.channel = 1;
    render(ProjectsView, { onnavigate: vi.fn() });
    await waitFor(() => expect(shownRows()[0]?.dataset.externalId).toBe("P-00000"));
    await fireEvent.click(within(shownRows()[0]!).getByTestId("project-archive"));
    const confirm = screen.getByTestId("project-archive-confirm");
    const dialog = confirm.closest("dialog")!;
    expect(dialog.textContent).toContain("#design (Acme) then gets none of its events");
    expect(calls("set_project_active"), "nothing is archived before confirming").toEqual([]);

    await fireEvent.click(confirm);
    await waitFor(() => expect(calls("set_project_active")).toEqual([{ id: 1, active: false }]));
    await waitFor(() => expect(shownRows()[0]?.dataset.externalId, "archived projects are hidden").toBe("P-00001"));
    expect(count()).toBe("9,999 projects");

    await fireEvent.click(screen.getByTestId("project-show-archived"));
    await waitFor(() => expect(shownRows()[0]?.dataset.externalId).toBe("P-00000"));
    const archived = shownRows()[0]!;
    expect(archived.textContent).toContain("Archived");
    await fireEvent.click(within(archived).getByTestId("project-archive"));
    await waitFor(() => expect(calls("set_project_active")[1]).toEqual({ id: 1, active: true }));
    await waitFor(() => expect(shownRows()[0]!.textContent).not.toContain("Archived"));
  });

  it("previews a CSV file with its row errors and imports it only when it has none", async () => {
    render(ProjectsView, { onnavigate: vi.fn() });
    await waitFor(() => expect(count()).toBe("10,000 projects"));
    await fireEvent.click(screen.getByTestId("project-import"));

    await chooseFile("name,external_id,budget\nAlpha,A-1,10\n,A-2,5\nBeta,B-1,3\n");
    const summary = await screen.findByTestId("project-import-summary");
    expect(summary.textContent).toContain("2 to create");
    expect(summary.textContent).toContain("1 with errors");
    expect(summary.textContent).toContain("budget");
    expect(summary.textContent).toContain("Line 3");
    expect(summary.textContent).toContain("Column name: A project needs a name.");
    expect(summary.textContent, "only the rows with errors are listed at first").not.toContain("Alpha");
    const confirm = screen.getByTestId("project-import-confirm") as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    expect(screen.getByText(/Fix the 1 row with errors in the file and choose it again: nothing is imported/)).toBeTruthy();

    await fireEvent.click(screen.getByLabelText("Only rows with errors"));
    await waitFor(() => expect(screen.getByTestId("project-import-summary").textContent).toContain("Alpha"));

    const csv = "name,external_id\nAlpha,A-1\nRenamed,P-00001\n";
    await chooseFile(csv);
    await waitFor(() => expect((screen.getByTestId("project-import-confirm") as HTMLButtonElement).disabled).toBe(false));
    expect(screen.getByTestId("project-import-summary").textContent).toContain("1 to update");
    expect(calls("import_projects"), "a preview writes nothing").toEqual([]);

    await fireEvent.click(screen.getByTestId("project-import-confirm"));
    await waitFor(() => expect(screen.getByTestId("project-import-result").textContent).toContain("Imported: 1 created, 1 updated"));
    expect(calls("import_projects")).toEqual([{ csv }]);
    await waitFor(() => expect(count()).toBe("10,001 projects"));
  });

  it("refuses a file over 5 MiB before sending it", async () => {
    render(ProjectsView, { onnavigate: vi.fn() });
    await fireEvent.click(screen.getByTestId("project-import"));
    await chooseFile("name\nAlpha\n", "huge.csv", 6 * 1024 * 1024);
    await screen.findByText(/huge\.csv is 6\.0 MiB; an import reads at most 5 MiB/);
    expect(calls("preview_project_import")).toEqual([]);
    expect(screen.queryByTestId("project-import-confirm")).toBeNull();
  });

  it("starts empty with the first things to do, and sends the person to Channels", async () => {
    backend.seed(0);
    backend.state.channels = [];
    const onnavigate = vi.fn();
    render(ProjectsView, { onnavigate });
    await screen.findByText("No projects yet");
    expect(screen.getByTestId("add-project")).toBeTruthy();
    await fireEvent.click(await screen.findByRole("button", { name: /Add a notification channel in Channels first/ }));
    expect(onnavigate).toHaveBeenCalledWith("channels");
  });

  it("tells archived-only from empty", async () => {
    backend.seed(2);
    for (const p of backend.state.projects) p.active = false;
    render(ProjectsView, { onnavigate: vi.fn() });
    await screen.findByText("All 2 projects are archived. Turn on Show archived to see them.");
    expect(screen.queryByText("No projects yet")).toBeNull();
  });
});
