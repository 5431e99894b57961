// Which file goes to a worker next: saved files (user priority) before background work (a full
// run's files), in batches bounded by files and bytes, never more at once than the pool can hold.
//
// Each caller waits for its own files through a Job, not for the dispatch loop: a full run and the
// saves that arrive during it share the queues but not a lifetime, so neither can end the other's
// work early (issue 12, item 2: a save's drain used to clear the run's whole queue).
//
// Two fixed priority levels, first-in first-out within each, are two arrays: a heap (heap-js,
// @datastructures-js/priority-queue) would add O(log n) per file for nothing, and p-queue runs
// promises under a concurrency limit but cannot batch files, hold back on the writer's buffered
// rows, or pause one priority level only — which is what this module does.
import { fileKey } from './catalog';
import type { FileTask } from './worker';

/** Files per worker task, and bytes: small enough to spread, large enough to amortise messaging. */
export const BATCH_FILES = 24;
export const BATCH_BYTES = 384 * 1024;

/** What waits for a set of files (a full run, one update call): done once each is written or given up. */
export class Job {
  private left = 0;
  private sealed = false;
  private resolve!: () => void;
  readonly done = new Promise<void>((r) => (this.resolve = r));

  add(n: number): void {
    this.left += n;
  }

  settle(n = 1): void {
    this.left -= n;
    this.check();
  }

  /** No more files join: done once the ones added have settled. */
  seal(): void {
    this.sealed = true;
    this.check();
  }

  private check(): void {
    if (this.sealed && this.left <= 0) this.resolve();
  }
}

export interface Work {
  task: FileTask;
  size: number;
  mtimeMs: number;
  user: boolean;
  /** Times the worker reported this file failed (it is retried once). */
  attempt: number;
  /** Times a worker died while it held this file. */
  crashes: number;
  /**
   * Dispatched on its own and with nothing else in flight: after a crash, so that one bad file
   * cannot fail its neighbours — neither in its batch nor in the batch sharing its worker thread.
   */
  alone: boolean;
  /** Who waits for this file. */
  jobs: Job[];
}

export interface SchedulerHooks {
  /** Runs one batch on the pool; resolves once its outcomes are recorded or re-queued, never rejects. */
  run(batch: Work[]): Promise<void>;
  /** Writes everything recorded so far. */
  flush(): Promise<void>;
  /** Back-pressure: too many rows wait for the writer. */
  held(): boolean;
  /** Batches the pool can hold at once. */
  capacity(): number;
}

export class Scheduler {
  private readonly user: Work[] = [];
  private background: Work[] = [];
  private backgroundPos = 0;
  /** Background work not yet dispatched, by file: a save of such a file takes it over. */
  private readonly waiting = new Map<string, Work>();
  private readonly inFlight = new Set<Promise<void>>();
  private pumping: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private paused = false;
  /** A file retried alone is in flight: nothing else is dispatched beside it. */
  private exclusive = false;

  constructor(private readonly hooks: SchedulerHooks) {}

  /** True while work is queued, in flight, or being written by the loop. */
  get busy(): boolean {
    return !!this.pumping || this.user.length > 0 || this.waiting.size > 0 || this.inFlight.size > 0;
  }

  /**
   * Saved files, ahead of everything else. A file still waiting in the background queue moves
   * here with whoever waited for it there; returns how many did.
   */
  addUser(works: Work[]): number {
    let taken = 0;
    for (const w of works) {
      const key = fileKey(w.task.root, w.task.path);
      const queued = this.waiting.get(key);
      if (queued) {
        this.waiting.delete(key);
        w.jobs.push(...queued.jobs);
        taken++;
      }
      this.user.push(w);
    }
    this.pump();
    return taken;
  }

  addBackground(works: Work[]): void {
    if (this.backgroundPos === this.background.length) {
      this.background = [];
      this.backgroundPos = 0;
    }
    for (const w of works) {
      this.background.push(w);
      this.waiting.set(fileKey(w.task.root, w.task.path), w);
    }
    this.pump();
  }

  /** Background work handed back undone (withdrawn on pause): next in line again. */
  returnBackground(works: Work[]): void {
    this.background.splice(this.backgroundPos, 0, ...works);
    for (const w of works) this.waiting.set(fileKey(w.task.root, w.task.path), w);
    this.pump();
  }

  /** Back to the user queue (a retry). */
  retry(work: Work): void {
    this.user.push(work);
    this.pump();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  /** Drops background work not yet dispatched (cancel): its jobs stop waiting for it. */
  dropBackground(): void {
    for (let i = this.backgroundPos; i < this.background.length; i++) {
      const w = this.background[i];
      if (!this.waiting.delete(fileKey(w.task.root, w.task.path))) continue; // taken over by a save
      for (const job of w.jobs) job.settle();
    }
    this.background = [];
    this.backgroundPos = 0;
    this.wake();
  }

  /** Wakes the loop: a write finished, or work arrived. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Resolves once the loop has nothing left to do. */
  async idle(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private backgroundLeft(): boolean {
    return !this.paused && this.backgroundPos < this.background.length;
  }

  /** Next batch: user work first; a file dispatched alone goes alone; background bounded by files and bytes. */
  private next(): Work[] | undefined {
    if (this.exclusive) return undefined;
    if (this.user.length) {
      if (this.user[0].alone) return this.inFlight.size ? undefined : this.user.splice(0, 1);
      let n = 0;
      while (n < this.user.length && n < BATCH_FILES && !this.user[n].alone) n++;
      return this.user.splice(0, n);
    }
    const batch: Work[] = [];
    let bytes = 0;
    while (this.backgroundLeft() && batch.length < BATCH_FILES && bytes < BATCH_BYTES) {
      const w = this.background[this.backgroundPos++];
      if (!this.waiting.delete(fileKey(w.task.root, w.task.path))) continue; // a save took it over
      batch.push(w);
      bytes += w.size;
    }
    return batch.length ? batch : undefined;
  }

  /** Runs the dispatch loop unless it runs already; it ends when nothing is queued, in flight or unwritten. */
  private pump(): void {
    if (this.pumping) {
      this.wake();
      return;
    }
    this.pumping = (async () => {
      try {
        for (;;) {
          let batch: Work[] | undefined;
          while (this.inFlight.size < this.hooks.capacity() && !this.hooks.held() && (batch = this.next())) this.start(batch);
          if (!this.inFlight.size && !this.user.length && !(this.backgroundLeft() && !this.hooks.held())) {
            // Nothing to dispatch: write what is recorded (which also releases back-pressure).
            await this.hooks.flush();
            if (this.user.length || this.backgroundLeft()) continue;
            break;
          }
          await new Promise<void>((resolve) => {
            this.wakeUp = resolve;
            for (const p of this.inFlight) p.then(resolve, resolve);
          });
          this.wakeUp = undefined;
        }
      } finally {
        this.pumping = undefined;
        this.wakeUp = undefined;
      }
    })();
  }

  private start(batch: Work[]): void {
    const alone = batch[0].alone;
    this.exclusive = alone;
    const p = this.hooks.run(batch).catch(() => undefined);
    const tracked = p.finally(() => {
      this.inFlight.delete(tracked);
      if (alone) this.exclusive = false;
    });
    this.inFlight.add(tracked);
  }
}
