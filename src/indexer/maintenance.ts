// When writes are folded into the search indices: the fold policy. Indexer#maintain does the fold
// (store.optimize beside the write queue, then the store-against-checkpoint check); this decides
// when, from the number of incremental writes since the last fold and the quiet since the last one.

/**
 * Each incremental write (a save, a deletion) leaves a small fragment and rows outside the indices.
 * Measured on 10k C files (215k chunks): hybrid search p50 went from 12 ms to 47 ms after 100
 * single-file updates and to 118 ms after 300; folding them in (store.optimize) took 6.8 s and
 * brought it back to 14 ms. So once this many writes have piled up, they are folded in when
 * updates have been quiet for the idle time...
 */
export const MAINTAIN_AFTER_WRITES = 10;
/** ...and at once past this many, when saves or watcher events never leave a quiet moment. */
export const MAINTAIN_NOW_WRITES = 100;
/** A run that wrote at least this share of the table's rows rebuilds its indices instead of folding rows in. */
const BULK_SHARE = 0.25;

/** Whether a full run that wrote `rowsWritten` of a table's `tableRows` rows ends by rebuilding the indices (store.ts#reindex) rather than folding. */
export function isBulkRun(rowsWritten: number, tableRows: number): boolean {
  return rowsWritten >= BULK_SHARE * tableRows;
}

export class FoldPolicy {
  /** Incremental writes since the last fold (or a full run's own index work). */
  writes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Quiet time after the last write before a fold of MAINTAIN_AFTER_WRITES or more. */
    private readonly idleMs: number,
    /** Starts a fold (Indexer#maintain; it reports its own failures). */
    private readonly fold: () => void,
  ) {}

  /** After writes or a fold: a fold now past MAINTAIN_NOW_WRITES, or once quiet past MAINTAIN_AFTER_WRITES. */
  schedule(): void {
    this.cancel();
    if (this.writes >= MAINTAIN_NOW_WRITES) this.fold();
    else if (this.writes >= MAINTAIN_AFTER_WRITES) {
      this.timer = setTimeout(() => this.fold(), this.idleMs);
      this.timer.unref();
    }
  }

  /** Drops a fold that waits for quiet (one is starting anyway, or the engine closes). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
