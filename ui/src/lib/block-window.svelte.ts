// A virtualised list over a list Rust searches and pages by offset (Projects, Staff): rows are
// kept by their index in the whole list, blocks of `block` rows are fetched as they scroll into
// view, and only the rows in view (plus a margin) are rendered, so 10,000 rows scroll like 10.
// A new query starts from the top; a reload of the same query keeps the place and fetches the
// blocks in view again. Every reload numbers its answers, so a late answer to an earlier one is
// dropped.
import { describeError } from "./api";

/** One block as Rust answered it. */
export type Block<T> = { total: number; items: T[] };

export type WindowOptions<T, P extends Block<T>> = {
  /** Row height and the sticky header's height, in pixels. */
  row: number;
  head: number;
  block?: number;
  overscan?: number;
  /** Fetches `limit` rows from `offset` for the current query. */
  fetch: (offset: number, limit: number) => Promise<P>;
  /** Called with each answer still current (extra fields a view reads from it). */
  answered?: (page: P, block: number) => void;
};

export class BlockWindow<T, P extends Block<T> = Block<T>> {
  rows = $state.raw<Record<number, T>>({});
  total = $state(0);
  /** Whether the current query has been answered at least once. */
  loaded = $state(false);
  error = $state<string | null>(null);
  scrollTop = $state(0);
  viewport = $state(560);

  readonly block: number;
  readonly first = $derived.by(() => Math.max(0, Math.floor((this.scrollTop - this.options.head) / this.options.row) - this.overscan));
  readonly last = $derived.by(() =>
    Math.min(this.total, Math.ceil((this.scrollTop + this.viewport) / this.options.row) + this.overscan),
  );
  readonly visible = $derived.by(() => Array.from({ length: Math.max(0, this.last - this.first) }, (_, i) => this.first + i));

  private readonly overscan: number;
  private readonly requested = new Set<number>();
  private generation = 0;
  private key: string | null = null;

  constructor(private readonly options: WindowOptions<T, P>) {
    this.block = options.block ?? 100;
    this.overscan = options.overscan ?? 8;
  }

  /** Asks again for query `key`: a new key starts from the top of `list`, the same key keeps
   * the place. */
  reload(key: string, list: HTMLElement | undefined): void {
    this.generation += 1;
    this.requested.clear();
    if (key !== this.key) {
      this.key = key;
      this.rows = {};
      this.loaded = false;
      this.error = null;
      this.scrollTop = 0;
      if (list) list.scrollTop = 0;
    }
    this.fetchInView();
  }

  /** Fetches the blocks the rows in view (and the margin) fall in. */
  fetchInView(): void {
    const from = Math.floor(this.first / this.block);
    const to = Math.max(from, Math.floor((this.last - 1) / this.block));
    for (let block = from; block <= to; block++) void this.fetchBlock(block);
  }

  private async fetchBlock(block: number): Promise<void> {
    if (this.requested.has(block)) return;
    this.requested.add(block);
    const generation = this.generation;
    try {
      const page = await this.options.fetch(block * this.block, this.block);
      if (generation !== this.generation) return;
      const next = { ...this.rows };
      for (let i = 0; i < this.block; i++) {
        const item = page.items[i];
        if (item !== undefined) next[block * this.block + i] = item;
        else delete next[block * this.block + i];
      }
      this.rows = next;
      this.total = page.total;
      this.options.answered?.(page, block);
      this.loaded = true;
      this.error = null;
    } catch (e) {
      if (generation !== this.generation) return;
      this.requested.delete(block);
      this.error = describeError(e);
    }
  }

  /** Reads the scroll position and height of `list`. */
  measure(list: HTMLElement | undefined): void {
    if (!list) return;
    this.scrollTop = list.scrollTop;
    if (list.clientHeight > 0) this.viewport = list.clientHeight;
  }

  /** Puts `item` in place of every shown row `same` says it replaces. */
  replace(item: T, same: (row: T) => boolean): void {
    const next = { ...this.rows };
    for (const [index, row] of Object.entries(this.rows)) {
      if (same(row)) next[Number(index)] = item;
    }
    this.rows = next;
  }
}
