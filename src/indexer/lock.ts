// One writer per store: a lock file holding the writer's pid, host, a random token, the identity
// of its process (boot id and start time) and a lease that the holder renews. A lock is stale —
// and taken over — when its lease has lapsed (whatever the pid says), or on this host when its
// process is gone or is another process under the same pid (a container restart reuses pids,
// our own included). A live holder makes the next writer wait (bounded) and then fail clearly.
//
// Not proper-lockfile (npm), although its mtime staleness and onCompromised fit: it locks with a
// `<file>.lock` folder that readers of existing stores and earlier versions of this extension and
// the CLI would not see (two writers), it keeps no holder to name in "busy" messages, and its
// default onCompromised throws from a timer — the failure this file must not have.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type LockHolder, SemindexError } from './errors';

/** A process as a file left for other processes names it (the lock's holder, a registered reader: readers.ts). */
export interface ProcessRecord {
  pid: number;
  host: string;
  /** `<boot id>:<start time in clock ticks>` of the process (Linux); absent elsewhere and in locks of earlier versions. */
  proc?: string;
}

/** This process, as a ProcessRecord. */
export const processRecord = (): ProcessRecord => ({ pid: process.pid, host: os.hostname(), ...procIdentity(process.pid) });

interface LockBody extends LockHolder, ProcessRecord {
  token: string;
}

/** SemindexError 'BUSY', naming the holder. */
export function storeBusyError(holder: LockHolder): SemindexError {
  const { owner, pid, host, expires } = holder;
  return new SemindexError('BUSY', `the store is being written by another process (${owner}, pid ${pid} on ${host}); wait for it to finish or stop it`, { holder: { owner, pid, host, expires } });
}

const LEASE_MS = 30_000;
const RENEW_MS = 10_000;
/** A busy acquire polls the lock file this often at first, then backs off to MAX_POLL_MS. */
const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 1000;

export interface LockOptions {
  /** How long to retry while a live writer holds the lock, before SemindexError 'BUSY' (default 0: at once). */
  waitMs?: number;
  /** Lease length and renewal interval (tests shorten them). */
  leaseMs?: number;
  renewMs?: number;
  /** Called once when the lease is found lost (taken over, or not renewable until it lapsed). */
  onLost?: (err: SemindexError) => void;
}

/** Tokens of the locks this process holds now: a lock naming our pid with another token is a former process's. */
const heldHere = new Set<string>();

/** How a lock was taken: the file was free, a stale holder's was taken over, or a live holder was waited for. */
export interface LockTaken {
  how: 'free' | 'stale' | 'waited';
  /** Milliseconds from the first attempt until the lock was ours. */
  ms: number;
}

export class StoreLock {
  private timer: NodeJS.Timeout | undefined;
  private lostError: SemindexError | undefined;
  /** Set by acquire(): what the next writer after a window reload observes ("at once" or not). */
  taken: LockTaken = { how: 'free', ms: 0 };
  private constructor(
    private readonly file: string,
    private readonly body: LockBody,
    private readonly opts: LockOptions,
  ) {}

  /**
   * Takes the lock or throws SemindexError 'BUSY'. `owner` names the writer in messages ("cli",
   * "vscode"). With `waitMs`, a live holder is waited for that long, polling with backoff: a
   * window reload starts the new extension host while the old one still writes its last batch.
   */
  static async acquire(file: string, owner: string, opts: LockOptions = {}): Promise<StoreLock> {
    const leaseMs = opts.leaseMs ?? LEASE_MS;
    const body: LockBody = { ...processRecord(), token: crypto.randomUUID(), owner, expires: Date.now() + leaseMs };
    const started = Date.now();
    const deadline = started + (opts.waitMs ?? 0);
    let how: LockTaken['how'] = 'free';
    let poll = FIRST_POLL_MS;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify(body), { flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = readLock(file);
        if (holder && isAlive(holder)) {
          if (Date.now() >= deadline) throw storeBusyError(holder);
          await sleep(Math.min(poll, deadline - Date.now()));
          how = 'waited';
          poll = Math.min(MAX_POLL_MS, poll * 2);
          attempt--; // waiting for a live holder is not a failed attempt
          continue;
        }
        // Stale (lapsed lease, dead or replaced process, unreadable): remove and try again.
        fs.rmSync(file, { force: true });
        if (how === 'free') how = 'stale';
        continue;
      }
      // Two takers of the same stale lock: the file says who won.
      await sleep(20);
      const now = readLock(file);
      if (now?.token !== body.token) {
        if (now) throw storeBusyError(now);
        continue;
      }
      body.expires = Date.now() + leaseMs;
      const lock = new StoreLock(file, body, opts);
      lock.taken = { how, ms: Date.now() - started };
      heldHere.add(body.token);
      lock.timer = setInterval(() => lock.renew(), opts.renewMs ?? RENEW_MS);
      lock.timer.unref();
      return lock;
    }
    throw new SemindexError('BUSY', `could not take the store lock ${file}`);
  }

  /**
   * Resolves once the lock file is gone or stale (a busy store may be taken now), polling with
   * backoff and woken early by a change to the store folder; false when the signal aborts first.
   */
  static async waitForRelease(file: string, signal?: AbortSignal): Promise<boolean> {
    let poll = FIRST_POLL_MS;
    let wake: (() => void) | undefined;
    let watcher: fs.FSWatcher | undefined;
    try {
      watcher = fs.watch(path.dirname(file), () => wake?.());
      watcher.on('error', () => undefined); // polling goes on without it
    } catch {
      // No watch (folder gone, no inotify left): polling alone.
    }
    try {
      for (;;) {
        if (signal?.aborted) return false;
        if (!StoreLock.holder(file)) return true;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(t);
            signal?.removeEventListener('abort', done);
            wake = undefined;
            resolve();
          };
          const t = setTimeout(done, poll);
          wake = done;
          signal?.addEventListener('abort', done);
        });
        poll = Math.min(MAX_POLL_MS * 2, poll * 2);
      }
    } finally {
      watcher?.close();
    }
  }

  /** Set once the lease is lost: this writer must not write again. */
  get lost(): SemindexError | undefined {
    return this.lostError;
  }

  /**
   * Throws SemindexError 'LOST_LOCK' unless the lock file still names this holder (one small
   * read): before each write, so a writer that stalled past its lease never writes over its successor.
   */
  check(): void {
    if (!this.lostError && readLock(this.file)?.token !== this.body.token) this.lose('another writer took the store over');
    if (this.lostError) throw this.lostError;
  }

  /** Runs from a timer: never throws; a lease it cannot keep is recorded as lost (onLost). */
  private renew(): void {
    if (this.lostError) return;
    try {
      if (readLock(this.file)?.token !== this.body.token) {
        this.lose('another writer took the store over');
        return;
      }
      const expires = Date.now() + (this.opts.leaseMs ?? LEASE_MS);
      const tmp = `${this.file}.${process.pid}`;
      fs.writeFileSync(tmp, JSON.stringify({ ...this.body, expires }));
      fs.renameSync(tmp, this.file);
      this.body.expires = expires;
    } catch (err) {
      // One failed renewal is not a lost lease; past its expiry another writer may take over.
      if (Date.now() >= this.body.expires) this.lose(`the lease could not be renewed (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  private lose(why: string): void {
    if (this.lostError) return;
    this.lostError = new SemindexError('LOST_LOCK', `this writer lost the store lock ${this.file}: ${why}; it stops writing`);
    this.stopRenewing();
    try {
      this.opts.onLost?.(this.lostError);
    } catch {
      // The listener's failure must not escape a timer.
    }
  }

  /** Who holds the lock now, if a live process does (read only: readers never take the lock). */
  static holder(file: string): LockHolder | undefined {
    const body = readLock(file);
    return body && isAlive(body) ? { owner: body.owner, pid: body.pid, host: body.host, expires: body.expires } : undefined;
  }

  release(): void {
    this.stopRenewing();
    heldHere.delete(this.body.token);
    try {
      if (readLock(this.file)?.token === this.body.token) fs.rmSync(this.file, { force: true });
    } catch {
      // The store folder is gone or read-only: nothing left to release.
    }
  }

  private stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function readLock(file: string): LockBody | undefined {
  try {
    const body = JSON.parse(fs.readFileSync(file, 'utf8'));
    return typeof body?.pid === 'number' ? body : undefined;
  } catch {
    return undefined;
  }
}

/** A lock of another host: only its lease tells. */
function isAlive(holder: LockBody): boolean {
  return holder.expires > Date.now() && processLives(holder, heldHere.has(holder.token));
}

/**
 * Whether the process a record names still runs (on another host: assumed so). `ours`: whether
 * this process wrote the record — a record naming our pid that we did not write is a former
 * process's (a container restart reuses pids, our own included).
 */
export function processLives(record: ProcessRecord, ours: boolean): boolean {
  if (record.host !== os.hostname()) return true;
  if (record.pid === process.pid) return ours;
  try {
    process.kill(record.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (isZombie(record.pid)) return false;
  // The pid is taken, but by the process that wrote the record? (A lock of an earlier version has no identity: trust the pid.)
  const now = procIdentity(record.pid).proc;
  return !record.proc || !now || record.proc === now;
}

/** This boot's id and the process's start time, which together tell a reused pid from its first owner (Linux). */
function procIdentity(pid: number): { proc?: string } {
  try {
    const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return start ? { proc: `${boot}:${start}` } : {};
  } catch {
    return {}; // no /proc (not Linux), or the process is gone
  }
}

/** A process that has exited but not been reaped still answers kill(pid, 0); Linux shows it as state Z. */
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false; // no /proc (not Linux) or gone meanwhile: kill() decided
  }
}
