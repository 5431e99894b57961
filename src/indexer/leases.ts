// Leases on something one owner opened and only that owner closes (an engine, a reader): users
// take a lease synchronously and release it when done; closing refuses new leases (SemindexError
// 'CLOSED') and waits for the open ones before the thing is disposed. So a search never runs on
// a store closed under it ("Table chunks is closed"), and a caller refused once asks again.
import { SemindexError } from './errors';

export interface Lease<T> {
  readonly value: T;
  /** Idempotent. */
  release(): void;
}

export class LeaseSource<T> {
  private open = 0;
  private closing: Promise<void> | undefined;
  private drained: (() => void) | undefined;

  /** `dispose` runs once, after the last lease is released (nothing to do when the owner closes the value itself). */
  constructor(
    readonly value: T,
    private readonly dispose?: (value: T) => void | Promise<void>,
  ) {}

  get isClosing(): boolean {
    return !!this.closing;
  }

  /** Leases open now. */
  get leases(): number {
    return this.open;
  }

  /** A lease, or SemindexError 'CLOSED' once close() was called. */
  acquire(): Lease<T> {
    if (this.closing) throw new SemindexError('CLOSED', 'the index is closing; ask again');
    this.open++;
    let released = false;
    return {
      value: this.value,
      release: () => {
        if (released) return;
        released = true;
        if (--this.open === 0) this.drained?.();
      },
    };
  }

  /** Refuses new leases, waits for the open ones, then disposes. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.open) await new Promise<void>((resolve) => (this.drained = resolve));
      await this.dispose?.(this.value);
    })();
    return this.closing;
  }
}

/**
 * Runs fn on a lease from get() and releases it after. A lease refused because its source is
 * closing (or a value closed under fn: SemindexError 'CLOSED') is asked for once more: by then
 * get() hands out the source that replaced it. undefined when get() has nothing to serve.
 */
export async function withLease<T, R>(get: () => Promise<Lease<T> | undefined>, fn: (value: T) => Promise<R>): Promise<R | undefined> {
  for (let attempt = 0; ; attempt++) {
    let lease: Lease<T> | undefined;
    try {
      lease = await get();
      if (!lease) return undefined;
      return await fn(lease.value);
    } catch (err) {
      if (attempt === 0 && SemindexError.is(err, 'CLOSED')) continue;
      throw err;
    } finally {
      lease?.release();
    }
  }
}
