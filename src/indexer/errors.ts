// The one error type of the engine, the CLI and the extension: callers decide on `code`, never on
// the message text (which is for people and may change).

export type ErrorCode =
  /** Another live writer holds the store lock (`holder` says who). */
  | 'BUSY'
  /** The engine, reader or lease source is closed or closing: open again (or retry once). */
  | 'CLOSED'
  /** Writing rows or the checkpoint failed; the files involved are recorded failed and redone. */
  | 'WRITE_FAILED'
  /** The store folder holds no index. */
  | 'NO_INDEX'
  /** A file of the store (manifest, table, vector table) is damaged or of another make. */
  | 'CORRUPT'
  /** A worker thread died or threw for a whole batch. */
  | 'WORKER_CRASH'
  /** The command line or an argument cannot work as given. */
  | 'USAGE'
  /** What was asked for is not there: a span (find similar) with no indexed chunk, a tree with nothing to evaluate. */
  | 'NOT_FOUND'
  /** Indexed code asked for (find similar on a span) is no longer in its file as indexed: index the file again. */
  | 'STALE'
  /** The model embedder cannot load or run its model folder. */
  | 'MODEL'
  /** A setting cannot work as given (`setting` names it). */
  | 'SETTINGS'
  /** git is there and the folder is in a work tree, but listing it failed ("dubious ownership"): the scan walks instead. */
  | 'GIT'
  /** This writer's lease on the store lock lapsed or was taken over: it stops writing. */
  | 'LOST_LOCK';

export interface LockHolder {
  owner: string;
  pid: number;
  host: string;
  /** When the holder's lease runs out (ms since the epoch). */
  expires: number;
}

export interface SemindexErrorDetails {
  cause?: unknown;
  /** BUSY: who holds the lock. */
  holder?: LockHolder;
  /** SETTINGS: the setting to open for the user ("semindex.modelPath"). */
  setting?: string;
  /** NOT_FOUND, STALE: what was asked for. */
  span?: { path: string; startLine: number; endLine: number };
  /** WRITE_FAILED: the files whose write failed. */
  files?: { root: string; path: string }[];
}

// A registered symbol, not a private field: the transformers embedder is a bundle of its own
// (esbuild.mjs) with its own copy of this class, and its errors must still be `instanceof` this one.
const BRAND = Symbol.for('semindex.SemindexError');

export class SemindexError extends Error {
  readonly holder?: LockHolder;
  readonly setting?: string;
  readonly span?: SemindexErrorDetails['span'];
  readonly files?: SemindexErrorDetails['files'];

  constructor(
    readonly code: ErrorCode,
    /** For people, without a "semindex: " prefix (the CLI adds it). */
    message: string,
    details: SemindexErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SemindexError';
    if (details.holder) this.holder = details.holder;
    if (details.setting) this.setting = details.setting;
    if (details.span) this.span = details.span;
    if (details.files) this.files = details.files;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** True for a SemindexError, of one of these codes when codes are given. */
  static is(err: unknown, ...codes: ErrorCode[]): err is SemindexError {
    return err instanceof SemindexError && (!codes.length || codes.includes(err.code));
  }
}
