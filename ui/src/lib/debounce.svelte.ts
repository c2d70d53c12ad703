// A search box's text, passed on once typing pauses: the Projects, Staff and Messages views
// query Rust with what `apply` receives, not with every keystroke.

/** Calls `apply` with `source()` trimmed, 150 ms after it last changed. Call it while a
 * component initialises (it registers an effect that ends with the component). */
export function settleSearch(source: () => string, apply: (value: string) => void, ms = 150): void {
  $effect(() => {
    const value = source().trim();
    const timer = setTimeout(() => apply(value), ms);
    return () => clearTimeout(timer);
  });
}
