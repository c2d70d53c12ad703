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

/** What to do next, for the codes whose sentence from Rust may only say what happened (a
 * database failure, or Slack's own error code). Every other code's sentence already says what
 * to do (core writes it so); the UI switches on the code, never on the text. */
export const ADVICE: Partial<Record<ErrorCode, string>> = {
  storage: "Try again; if it keeps failing, restart Switchboard.",
  slack_refused: "Slack refused the call; the code above names why. Check the workspace in Workspaces.",
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
    return advice ? `${error.message.trim()} ${advice}` : error.message;
  }
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  return "Something went wrong that Switchboard did not expect. Restart it and try again.";
}

export { commands };
