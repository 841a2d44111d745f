// Pages of a long listing fetched on demand: the view asks for the rows it shows, and
// only their pages travel (never the whole listing).

export class PageCache {
  /**
   * @param {(page: number) => Promise<{total: number, rows: object[]}>} fetchPage
   * @param {number} perPage
   * @param {() => void} onChange  called when rows or the total arrive
   */
  constructor(fetchPage, perPage, onChange) {
    this.fetchPage = fetchPage;
    this.perPage = perPage;
    this.onChange = onChange;
    this.pages = new Map();
    this.loading = new Map();
    this.total = null;
    this.error = null;
    this.generation = 0;
  }

  reset() {
    this.pages.clear();
    this.loading.clear();
    this.total = null;
    this.error = null;
    this.generation += 1;
  }

  /** The row at `index`, or undefined while its page is not loaded. */
  get(index) {
    const page = this.pages.get(Math.floor(index / this.perPage) + 1);
    return page ? page[index % this.perPage] : undefined;
  }

  /** Pages (1-based) covering rows start..end, plus one ahead for smooth scrolling. */
  pagesFor(start, end) {
    const first = Math.floor(Math.max(0, start) / this.perPage) + 1;
    let last = Math.floor(Math.max(0, end) / this.perPage) + 2;
    if (this.total !== null) last = Math.min(last, Math.max(1, Math.ceil(this.total / this.perPage)));
    const out = [];
    for (let p = first; p <= last; p += 1) out.push(p);
    return out;
  }

  /** Fetch whatever pages rows start..end need; resolves when they are in. */
  ensure(start, end) {
    const wanted = this.pagesFor(start, end).filter((p) => !this.pages.has(p));
    return Promise.all(wanted.map((p) => this.load(p)));
  }

  load(page) {
    if (this.loading.has(page)) return this.loading.get(page);
    const generation = this.generation;
    const promise = this.fetchPage(page).then(
      (reply) => {
        if (generation !== this.generation) return;
        this.total = reply.total;
        this.pages.set(page, reply.rows);
        this.loading.delete(page);
        this.onChange();
      },
      (error) => {
        if (generation !== this.generation) return;
        this.loading.delete(page);
        this.error = error;
        this.onChange();
      },
    );
    this.loading.set(page, promise);
    return promise;
  }
}
