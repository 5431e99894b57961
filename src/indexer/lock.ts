// One writer per store: a lock file holding the writer's pid, host and a lease that the holder
// renews. A lock whose holder died (same host, pid gone) or whose lease lapsed is taken over, so a
// crashed writer never blocks the next one; a live holder makes the next writer fail clearly.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { SemindexError } from './errors';

interface LockBody {
  pid: number;
  host: string;
  token: string;
  owner: string;
  expires: number;
}

/** SemindexError 'BUSY', naming the holder. */
export function storeBusyError(holder: LockBody): SemindexError {
  const { owner, pid, host, expires } = holder;
  return new SemindexError('BUSY', `the store is being written by another process (${owner}, pid ${pid} on ${host}); wait for it to finish or stop it`, { holder: { owner, pid, host, expires } });
}

const LEASE_MS = 30_000;
const RENEW_MS = 10_000;

export class StoreLock {
  private timer: NodeJS.Timeout | undefined;
  private constructor(
    private readonly file: string,
    private readonly body: LockBody,
  ) {}

  /**
   * Takes the lock or throws SemindexError 'BUSY'. `owner` names the writer in messages ("cli",
   * "vscode"). With `waitMs`, a live holder of the same owner on this host is waited for that long
   * before giving up: a window reload starts the new extension host while the old one is still
   * writing its last batches. Other holders (a CLI run) are reported at once.
   */
  static async acquire(file: string, owner: string, opts: { waitMs?: number } = {}): Promise<StoreLock> {
    const body: LockBody = { pid: process.pid, host: os.hostname(), token: crypto.randomUUID(), owner, expires: Date.now() + LEASE_MS };
    const deadline = Date.now() + (opts.waitMs ?? 0);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify(body), { flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = readLock(file);
        if (holder && isAlive(holder)) {
          if (Date.now() >= deadline || holder.owner !== owner || holder.host !== body.host) throw storeBusyError(holder);
          await new Promise((r) => setTimeout(r, 200));
          attempt--; // waiting for a live holder is not a failed attempt
          continue;
        }
        // Stale (dead holder, lapsed lease or unreadable): remove and try again.
        fs.rmSync(file, { force: true });
        continue;
      }
      // Two takers of the same stale lock: the file says who won.
      await new Promise((r) => setTimeout(r, 20));
      const now = readLock(file);
      if (now?.token !== body.token) {
        if (now) throw storeBusyError(now);
        continue;
      }
      const lock = new StoreLock(file, body);
      lock.timer = setInterval(() => lock.renew(), RENEW_MS);
      lock.timer.unref();
      return lock;
    }
    throw new SemindexError('BUSY', `could not take the store lock ${file}`);
  }

  private renew(): void {
    const now = readLock(this.file);
    if (now?.token !== this.body.token) return; // taken over after a long stall; the next write will notice
    this.body.expires = Date.now() + LEASE_MS;
    const tmp = `${this.file}.${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(this.body));
    fs.renameSync(tmp, this.file);
  }

  /** Who holds the lock now, if a live process does (read only: readers never take the lock). */
  static holder(file: string): { owner: string; pid: number; host: string } | undefined {
    const body = readLock(file);
    return body && isAlive(body) ? { owner: body.owner, pid: body.pid, host: body.host } : undefined;
  }

  release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (readLock(this.file)?.token === this.body.token) fs.rmSync(this.file, { force: true });
  }
}

function readLock(file: string): LockBody | undefined {
  try {
    const body = JSON.parse(fs.readFileSync(file, 'utf8'));
    return typeof body?.pid === 'number' ? body : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(holder: LockBody): boolean {
  if (holder.host === os.hostname()) {
    if (holder.pid === process.pid) return true;
    try {
      process.kill(holder.pid, 0);
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    return !isZombie(holder.pid);
  }
  return holder.expires > Date.now();
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
