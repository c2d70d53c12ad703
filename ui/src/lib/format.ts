// Formatting helpers for what the views show.

/** A Unix-millisecond time as a local date and time, e.g. "22 Nov 2026, 14:05". */
export function formatTime(ms: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(ms));
}

/** "1 workspace", "3 workspaces". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString("en")} ${count === 1 ? one : many}`;
}
