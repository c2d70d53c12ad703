// The UI's door to Rust: the generated bindings, with `Result`s unwrapped into exceptions that
// carry the `{ code, message }` of the IPC boundary. Components switch on `code`, never on text.
import { commands, type CommandError, type ErrorCode, type Result } from "./bindings";

export class ApiError extends Error {
  readonly code: ErrorCode;
  /** For `invalid_input`: the field that was refused. */
  readonly field: string | null;
  /** For `needs_reconnect`: the workspace. */
  readonly teamId: string | null;

  constructor(error: CommandError) {
    super(error.message);
    this.name = "ApiError";
    this.code = error.code;
    this.field = error.field ?? null;
    this.teamId = error.teamId ?? null;
  }
}

/** What a person can do about each kind of failure; shown after Rust's own sentence when that
 * sentence does not already say it. */
export const ADVICE: Record<ErrorCode, string> = {
  invalid_input: "Change the value and try again.",
  not_found: "It may have been removed meanwhile; the list has been reloaded.",
  needs_reconnect: "Reconnect the workspace in Workspaces; its channels, toggles and links are kept.",
  slack_refused: "Slack refused; the message above says why and what to change.",
  transient: "Slack could not be reached or was busy. Nothing was lost: try again in a moment.",
  keyring_unavailable:
    "Switchboard keeps Slack tokens in your system keyring. Install and start one (on Debian or Ubuntu: gnome-keyring), then choose Try again.",
  keyring_locked: "Unlock your system keyring (it may be asking for your password), then choose Try again.",
  storage_unavailable: "Switchboard cannot open its database; the banner says why and what to do.",
  storage: "Reading or writing the database failed. Try again; if it keeps failing, restart Switchboard.",
  oauth: "Start connecting again and finish in the browser.",
  cancelled: "Nothing was changed.",
};

/** Awaits a command's `Result` and returns its data, or throws an `ApiError`. */
export async function unwrap<T>(pending: Promise<Result<T, CommandError>>): Promise<T> {
  const result = await pending;
  if (result.status === "ok") return result.data;
  throw new ApiError(result.error);
}

/** A message a person can read for any error a command may throw. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const advice = ADVICE[error.code];
    const said = error.message.trim();
    // Rust's sentences usually say what to do already; add the advice only when they do not.
    const actionable = /reconnect|try again|choose|enter|paste|unlock|install|start|copy|turn|leave|set |open/i;
    return actionable.test(said) || !advice ? said : `${said} ${advice}`;
  }
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  return "Something went wrong that Switchboard did not expect. Restart it and try again.";
}

export { commands };
