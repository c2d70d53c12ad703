// Applies the theme preference to the document: `system` leaves the choice to the OS through
// `prefers-color-scheme`; `light` and `dark` pin it.
import type { Theme } from "./bindings";

export const THEMES: readonly { value: Theme; label: string; hint: string }[] = [
  { value: "system", label: "System", hint: "Follow the operating system's light or dark setting." },
  { value: "light", label: "Light", hint: "Always light." },
  { value: "dark", label: "Dark", hint: "Always dark." },
];

export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  if (theme === "system") delete root.dataset.theme;
  else root.dataset.theme = theme;
}
