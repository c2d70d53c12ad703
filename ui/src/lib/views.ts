// The console's views, in sidebar order, and the hash routes that select them (`#/channels`).

export const VIEW_IDS = [
  "workspaces",
  "channels",
  "projects",
  "staff",
  "messages",
  "activity",
  "settings",
] as const;

export type ViewId = (typeof VIEW_IDS)[number];

export interface ViewInfo {
  id: ViewId;
  label: string;
  /** One line under the view's title: what the view is for. */
  summary: string;
}

export const VIEWS: readonly ViewInfo[] = [
  { id: "workspaces", label: "Workspaces", summary: "Slack workspaces Switchboard is connected to." },
  { id: "channels", label: "Channels", summary: "Slack channels that receive notifications, and which events each one gets." },
  { id: "projects", label: "Projects", summary: "Which Slack channel each project's updates go to." },
  { id: "staff", label: "Staff", summary: "Who has a Slack connection, and which Slack user each staff member is." },
  { id: "messages", label: "Messages", summary: "Direct messages with staff: approvals, vacation requests, escalations, and what they write back." },
  { id: "activity", label: "Activity", summary: "Every event received, where it went and why not elsewhere, newest first." },
  { id: "settings", label: "Settings", summary: "The Slack app, the ingest API, decisions and their webhook, escalation rules, appearance, the audit log and where data is kept." },
];

export const DEFAULT_VIEW: ViewId = "workspaces";

/** The view a location hash selects; unknown or empty hashes select the default view. */
export function viewFromHash(hash: string): ViewId {
  const id = hash.replace(/^#\/?/, "").split(/[/?]/)[0] ?? "";
  return (VIEW_IDS as readonly string[]).includes(id) ? (id as ViewId) : DEFAULT_VIEW;
}

export function hashFor(view: ViewId): string {
  return `#/${view}`;
}

export function viewInfo(view: ViewId): ViewInfo {
  const info = VIEWS.find((v) => v.id === view);
  if (!info) throw new Error(`unknown view ${view}`);
  return info;
}

/** The view `step` places away from `view` in sidebar order, wrapping around. */
export function neighbour(view: ViewId, step: number): ViewId {
  const index = VIEW_IDS.indexOf(view);
  const next = (index + step + VIEW_IDS.length) % VIEW_IDS.length;
  return VIEW_IDS[next] ?? DEFAULT_VIEW;
}
