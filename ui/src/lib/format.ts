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

/** A Unix-millisecond time for a dense list: the time alone today ("14:05:09"), the day and
 * time this year ("22 Nov, 14:05"), the date before ("22 Nov 2025"). */
export function formatCompactTime(ms: number, now: number = Date.now(), locale?: string): string {
  const at = new Date(ms);
  const today = new Date(now);
  if (at.toDateString() === today.toDateString()) {
    return new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(at);
  }
  if (at.getFullYear() === today.getFullYear()) {
    return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }).format(at);
  }
  return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric" }).format(at);
}
