// The UI's door to Rust: the generated bindings, with `Result`s unwrapped into exceptions that
// carry the `{ code, message }` of the IPC boundary. Components switch on `code`, never on text.
import { commands, type CommandError, type ErrorCode, type Result } from "./bindings";

export class ApiError extends Error {
  readonly code: ErrorCode;

  constructor(error: CommandError) {
    super(error.message);
    this.name = "ApiError";
    this.code = error.code;
  }
}

/** Awaits a command's `Result` and returns its data, or throws an `ApiError`. */
export async function unwrap<T>(pending: Promise<Result<T, CommandError>>): Promise<T> {
  const result = await pending;
  if (result.status === "ok") return result.data;
  throw new ApiError(result.error);
}

/** A message a person can read for any error a command may throw. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  return "Something went wrong that Switchboard did not expect. Restart it and try again.";
}

export { commands };
