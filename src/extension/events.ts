// A typed event with no `vscode` in it, shaped like vscode.Event: subscribing returns something to
// dispose. The index session (session.ts) fires and takes these, so unit tests drive it with plain
// emitters; a vscode.Event can be passed where an Event is asked for.

export interface Subscription {
  dispose(): void;
}

export type Event<T> = (listener: (value: T) => void) => Subscription;

export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();

  readonly event: Event<T> = (listener) => {
    // A wrapper per subscription: the same function subscribed twice is called twice, as with vscode.EventEmitter.
    const entry = (value: T) => listener(value);
    this.listeners.add(entry);
    return { dispose: () => this.listeners.delete(entry) };
  };

  /** Calls every listener; one that throws does not keep the others from hearing it (its error surfaces on its own). */
  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
