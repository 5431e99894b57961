// The engine's one error type. Callers branch on `code`, never on message text: messages are for
// people and change; codes are the contract.
export type SemindexErrorCode =
  /** Another process holds the store's writer lock (details.holder). */
  | 'BUSY'
  /** The indexer was closed while the call was under way. */
  | 'CLOSED'
  /** A write to the store or the checkpoint failed, even after a retry. */
  | 'WRITE_FAILED'
  /** Something on disk is damaged or not what this version reads (store.json, the vector table). */
  | 'CORRUPT'
  /** A worker thread died (out of memory, a wasm abort) while it held the file(s). */
  | 'WORKER_CRASH'
  /** The transformers embedder or its model folder is unusable. */
  | 'MODEL'
  /** No index yet, or one another embedder built: nothing to read. */
  | 'NO_INDEX'
  /** The set-up is wrong (unknown embedder, missing runtime files, a root that cannot be read). */
  | 'CONFIG';

export class SemindexError extends Error {
  constructor(
    readonly code: SemindexErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'SemindexError';
    this.details = options?.details ?? {};
  }

  readonly details: Record<string, unknown>;
}

export function isSemindexError(err: unknown, code?: SemindexErrorCode): err is SemindexError {
  return err instanceof SemindexError && (code === undefined || err.code === code);
}
