// The template editor against a fake backend that renders and lints like core's `render`
// (escaped values, unknown placeholders warned about): the owner edits a kind's template,
// sees it previewed as Slack shows it, inserts placeholders, saves, resets, and is asked
// before unsaved changes are dropped.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { tick } from "svelte";

const backend = vi.hoisted(() => {
  const kinds = [
    { kind: "timer.started", label: "A staff member starts work", group: "Time tracking", fields: ["task", "hours"] },
    { kind: "invoice.sent", label: "An invoice is sent", group: "Invoices", fields: ["number", "client", "amount", "link"] },
    { kind: "invoice.opened", label: "A client opens an invoice email", group: "Invoices", fields: ["number", "client", "amount", "link"] },
  ];
  const defaults: Record<string, string> = {
    "timer.started": ":arrow_forward: *{staff}* started *{task}* in {project}",
    "invoice.sent": ":receipt: Invoice *{number}* for {client} ({amount}) was sent",
    "invoice.opened": ":eyes: {client} opened invoice *{number}* ({amount})",
  };
  const common = ["kind", "kind_label", "project", "staff", "occurred_at"];
  // The client's name tries to mention the channel: it must reach the page as text.
  const values: Record<string, string> = {
    number: "1042",
    client: "Globex <!channel> & Co",
    amount: "€1,250.00",
    link: "https://app.example/invoices/1042",
    task: "Design review",
    staff: "Ada Lovelace",
    project: "Website",
  };
  const escape = (v: string) => v.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
  const names = (template: string) => [...template.matchAll(/\{\s*([a-z_]+)\s*\}/g)].map((m) => m[1] ?? "");

  const state = {
    saved: {} as Record<string, string>,
    lastEvent: {} as Record<string, string>,
    previews: [] as { kind: string; template: string }[],
    answered: [] as string[],
    saves: [] as { kind: string; template: string }[],
    failTemplates: false,
    /** A preview whose template contains `match` waits until `release` is called. */
    gate: null as null | { match: string; promise: Promise<void>; release: () => void },
  };

  const view = (k: (typeof kinds)[number]) => ({
    kind: k.kind,
    label: k.label,
    group: k.group,
    template: state.saved[k.kind] ?? null,
    defaultTemplate: defaults[k.kind] ?? "",
    placeholders: [...k.fields, ...common].map((name) => ({ name, about: `About ${name}` })),
  });

  const invoke = async (command: string, args: Record<string, unknown> = {}) => {
    switch (command) {
      case "templates":
        if (state.failTemplates) throw { code: "storage", message: "Reading the database failed.", field: null, teamId: null };
        return kinds.map(view);
      case "preview_template": {
        const kind = String(args.kind);
        const template = String(args.template);
        state.previews.push({ kind, template });
        if (state.gate && template.includes(state.gate.match)) await state.gate.promise;
        const known = [...(kinds.find((k) => k.kind === kind)?.fields ?? []), ...common];
        const body = (template.trim() === "" ? defaults[kind] ?? "" : template).replace(
          /\{\s*([a-z_]+)\s*\}/g,
          (_, name: string) => escape(values[name] ?? ""),
        );
        const warnings = names(template)
          .filter((name) => !known.includes(name))
          .map((name) => ({
            placeholder: name,
            message: `\`{${name}}\` is not a placeholder of ${kind} and renders as nothing; did you mean \`{amount}\`?`,
          }));
        const blocks = [
          { type: "section", text: { type: "mrkdwn", text: body } },
          { type: "context", elements: [{ type: "mrkdwn", text: "Mon 23 Nov 2026, 10:30 CET · Project: Website" }] },
          {
            type: "actions",
            elements: [{ type: "button", text: { type: "plain_text", text: "Open invoice 1042", emoji: true }, url: values.link, action_id: "open_link" }],
          },
        ];
        state.answered.push(template);
        return {
          text: body,
          blocksJson: JSON.stringify(blocks),
          notes: [],
          warnings,
          fromEvent: state.lastEvent[kind] ?? null,
          timeZone: "Europe/Berlin",
        };
      }
      case "save_template": {
        const kind = String(args.kind);
        const template = String(args.template);
        state.saves.push({ kind, template });
        const stored = template.trimEnd();
        if (stored.trim() === "") delete state.saved[kind];
        else state.saved[kind] = stored;
        const k = kinds.find((x) => x.kind === kind);
        if (!k) throw { code: "invalid_input", message: `unknown event kind "${kind}"`, field: "kind", teamId: null };
        return view(k);
      }
      default:
        throw { code: "invalid_input", message: `no command ${command}`, field: null, teamId: null };
    }
  };
  return { state, invoke, defaults };
});

vi.mock("@tauri-apps/api/core", () => ({ invoke: backend.invoke, Channel: class {} }));
vi.mock("@tauri-apps/api/event", () => ({}));

import TemplateEditor, { forgetDrafts } from "./TemplateEditor.svelte";

const OPENED = ":eyes: *{client}* looked at invoice {number}";

beforeEach(() => {
  backend.state.saved = { "invoice.opened": OPENED };
  backend.state.lastEvent = { "invoice.opened": "inv-1042-opened" };
  backend.state.previews = [];
  backend.state.answered = [];
  backend.state.saves = [];
  backend.state.failTemplates = false;
  backend.state.gate = null;
  forgetDrafts();
});
afterEach(() => cleanup());

/** Lets every promise already settled run its callbacks (a stale answer, say). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function open(): Promise<HTMLTextAreaElement> {
  render(TemplateEditor);
  const area = (await screen.findByTestId("template-text")) as HTMLTextAreaElement;
  await screen.findByTestId("template-source");
  return area;
}

/** The message as drawn, without the JSON disclosure. */
function message(): HTMLElement {
  const article = screen.getByTestId("template-preview").querySelector("article");
  if (!article) throw new Error("no message is drawn in the preview");
  return article as HTMLElement;
}

describe("the template editor", () => {
  it("starts from the default wording and previews it as Slack shows it, from sample data", async () => {
    const area = await open();
    // The first kind in catalogue order, which has no template of the owner's.
    expect(area.value).toBe(backend.defaults["timer.started"]);
    await fireEvent.change(screen.getByTestId("template-kind"), { target: { value: "invoice.sent" } });
    await waitFor(() => expect(area.value).toBe(backend.defaults["invoice.sent"]));
    await waitFor(() => expect(message().textContent).toContain("1042"));

    expect(screen.getByTestId("template-source").textContent, "no invoice.sent event was received").toContain(
      "Sample data (no “An invoice is sent” event received yet)",
    );
    expect(screen.getByText("Dates and times in Europe/Berlin")).toBeTruthy();
    expect(backend.state.previews.at(-1), "the untouched default asks for the default wording itself").toEqual({
      kind: "invoice.sent",
      template: "",
    });

    const drawn = message();
    expect(drawn.querySelector(".para strong")?.textContent, "*1042* is drawn bold").toBe("1042");
    expect(drawn.textContent, ":receipt: is drawn as the emoji").toContain("🧾");
    expect(drawn.textContent, "the escaped value reads as written").toContain("Globex <!channel> & Co (€1,250.00) was sent");
    expect(drawn.querySelector(".mention"), "a value never becomes a mention").toBeNull();
    expect(drawn.textContent, "blocks are drawn, not shown as JSON").not.toContain('"type"');
    expect(drawn.textContent).toContain("Project: Website");
    // The button is drawn with its link, which a preview shows but does not follow.
    const button = within(drawn).getByText("Open invoice 1042").closest(".slack-button")!;
    expect(button.getAttribute("title")).toBe("https://app.example/invoices/1042");
    expect(within(drawn).queryByRole("link"), "nothing in a preview opens a page").toBeNull();
    expect(drawn.textContent, "the link button shows its URL").toContain("https://app.example/invoices/1042");
    expect((screen.getByTestId("template-save") as HTMLButtonElement).disabled, "nothing changed yet").toBe(true);
    expect((screen.getByTestId("template-reset") as HTMLButtonElement).disabled, "already the default").toBe(true);
  });

  it("previews 200 ms after the last keystroke and lists the linter's warnings", async () => {
    const area = await open();
    const before = backend.state.previews.length;
    await fireEvent.input(area, { target: { value: "Started {task" } });
    await fireEvent.input(area, { target: { value: "Started {task} {ammount}" } });

    const warnings = await screen.findAllByTestId("template-warning");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.querySelector("code")?.textContent, "the placeholder at fault is marked").toBe("{ammount}");
    expect(warnings[0]!.textContent).toContain("did you mean {amount}?");
    expect(warnings[0]!.closest("[role='status']"), "warnings are announced").not.toBeNull();
    expect(
      backend.state.previews.slice(before).map((p) => p.template),
      "only the text as it stood after the last keystroke was previewed",
    ).toEqual(["Started {task} {ammount}"]);
    await waitFor(() => expect(message().textContent).toContain("Started Design review"));
    expect((screen.getByTestId("template-save") as HTMLButtonElement).disabled, "warnings do not block saving").toBe(false);
  });

  it("inserts a placeholder at the cursor from its chip", async () => {
    const area = await open();
    await fireEvent.input(area, { target: { value: "Paid by  today" } });
    area.focus();
    area.setSelectionRange(8, 8);
    await fireEvent.blur(area);

    const chip = screen.getByRole("button", { name: /^Insert \{task\}/ });
    expect(chip.getAttribute("title"), "the chip says what the placeholder holds").toBe("About task");
    await fireEvent.click(chip);
    expect(area.value).toBe("Paid by {task} today");
    expect(document.activeElement, "typing goes on in the text").toBe(area);
    expect(area.selectionStart, "the caret is after the placeholder").toBe(14);
  });

  it("saves, marks the kind customised, and resets to the default wording after asking", async () => {
    const area = await open();
    await fireEvent.input(area, { target: { value: "Timer: *{task}* by {staff}  " } });
    const save = screen.getByTestId("template-save") as HTMLButtonElement;
    await fireEvent.click(save);

    await screen.findByText("Saved. New “A staff member starts work” messages use your template.");
    expect(backend.state.saves).toEqual([{ kind: "timer.started", template: "Timer: *{task}* by {staff}  " }]);
    expect(area.value, "the editor shows the template as stored").toBe("Timer: *{task}* by {staff}");
    expect(save.disabled, "nothing is unsaved now").toBe(true);
    expect(screen.getByRole("option", { name: /A staff member starts work/ }).textContent).toContain("(customised)");

    await fireEvent.click(screen.getByTestId("template-reset"));
    expect(backend.state.saves, "nothing is reset before the owner confirms").toHaveLength(1);
    await fireEvent.click(screen.getByTestId("template-reset-confirm"));
    await waitFor(() => expect(area.value).toBe(backend.defaults["timer.started"]));
    expect(backend.state.saves.at(-1), "an empty template means the default wording").toEqual({ kind: "timer.started", template: "" });
    expect(backend.state.saved["timer.started"]).toBeUndefined();
    expect(screen.getByRole("option", { name: /A staff member starts work/ }).textContent).not.toContain("customised");
    expect(screen.getByText("“A staff member starts work” uses the default wording again.")).toBeTruthy();
  });

  it("asks before switching kind with unsaved changes", async () => {
    const area = await open();
    const select = screen.getByTestId("template-kind") as HTMLSelectElement;
    await fireEvent.input(area, { target: { value: "a draft" } });

    await fireEvent.change(select, { target: { value: "invoice.opened" } });
    expect(select.value, "the kind being edited stays picked").toBe("timer.started");
    expect(area.value).toBe("a draft");
    expect(screen.getByText(/has unsaved changes/)).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Keep editing" }));
    expect(screen.queryByText(/has unsaved changes/)).toBeNull();
    expect(area.value).toBe("a draft");

    await fireEvent.change(select, { target: { value: "invoice.opened" } });
    await fireEvent.click(screen.getByTestId("template-discard"));
    await waitFor(() => expect(area.value, "the owner's template of the kind opened").toBe(OPENED));
    expect(select.value).toBe("invoice.opened");
    await waitFor(() =>
      expect(screen.getByTestId("template-source").textContent).toContain("Rendered from event inv-1042-opened"),
    );
    expect(backend.state.previews.at(-1), "the owner's template is previewed as written").toEqual({
      kind: "invoice.opened",
      template: OPENED,
    });
    expect(backend.state.saves, "discarding saves nothing").toEqual([]);
  });

  it("keeps an unsaved draft when the editor is left and opened again", async () => {
    const area = await open();
    await fireEvent.input(area, { target: { value: "still writing {task}" } });
    cleanup();

    const again = await open();
    expect(again.value).toBe("still writing {task}");
    expect(screen.getByText("Your unsaved changes from before are still here.")).toBeTruthy();
    expect((screen.getByTestId("template-save") as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows the newest preview when an older answer arrives late", async () => {
    const area = await open();
    let release: () => void = () => {};
    const promise = new Promise<void>((resolve) => {
      release = () => resolve();
    });
    backend.state.gate = { match: "slow", promise, release };

    await fireEvent.input(area, { target: { value: "slow {task}" } });
    await waitFor(() => expect(backend.state.previews.some((p) => p.template === "slow {task}")).toBe(true));
    await fireEvent.input(area, { target: { value: "fast {task}" } });
    await waitFor(() => expect(message().textContent).toContain("fast Design review"));

    release();
    await waitFor(() => expect(backend.state.answered).toContain("slow {task}"));
    await settle();
    await tick();
    expect(message().textContent, "the late answer to an older text is dropped").toContain("fast Design review");
    expect(message().textContent).not.toContain("slow");
  });

  it("says why the templates cannot be read, and tries again", async () => {
    backend.state.failTemplates = true;
    render(TemplateEditor);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The message templates could not be read. Reading the database failed.");
    backend.state.failTemplates = false;
    await fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    const area = (await screen.findByTestId("template-text")) as HTMLTextAreaElement;
    expect(area.value).toBe(backend.defaults["timer.started"]);
  });
});
