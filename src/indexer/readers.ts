// Readers of a store, as the writer needs to know them: each open IndexReader (the CLI's search,
// the MCP server, the extension's read-only view) leaves a small file in `<store>/readers/`
// naming its process, and removes it on close. A writer that finds no live reader may prune the
// table's older versions at once instead of keeping them a minute for readers of other processes
// (store.ts pruneOlderVersions): over the whole kernel those are ~430 MB left on disk after a run.
//
// A reader registers before it opens the table, so a writer that sees none knows every later
// reader opens the latest version. A reader that died leaves a file that the liveness test of
// lock.ts (pid, and on Linux the process's identity) tells apart; one on another host counts as
// live. The test errs towards "live": that only keeps the minute of grace.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from './catalog';
import { type ProcessRecord, processLives, processRecord } from './lock';

/** A registration that cannot be read is being replaced or damaged: judged live until it is this old. */
const UNREADABLE_GRACE_MS = 60_000;

interface ReaderBody extends ProcessRecord {
  token: string;
  at: number;
}

/** Tokens of the registrations this process holds now (a file naming our pid with another token is a former process's). */
const registeredHere = new Set<string>();

export class ReaderRegistry {
  /** `dir`: the store's StoreLayout#readersDir. */
  constructor(private readonly dir: string) {}

  /**
   * Registers this process as a reader; the returned function unregisters (idempotent). A store
   * folder that cannot be written (read-only media) registers nothing: no writer works there either.
   */
  register(): () => void {
    const token = crypto.randomUUID();
    const file = path.join(this.dir, `${process.pid}-${token}.json`);
    const body: ReaderBody = { ...processRecord(), token, at: Date.now() };
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      writeJsonAtomic(file, body);
      registeredHere.add(token);
    } catch {
      return () => undefined;
    }
    return () => {
      registeredHere.delete(token);
      fs.rmSync(file, { force: true });
    };
  }

  /** Whether any reader is open now; files of readers that are gone are removed on the way. */
  anyLive(): boolean {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return false; // no folder: nobody ever registered
    }
    let live = false;
    for (const name of names) {
      const file = path.join(this.dir, name);
      const body = readBody(file);
      if (body === 'unreadable' ? !isOld(file) : body && processLives(body, registeredHere.has(body.token))) live = true;
      else fs.rmSync(file, { force: true });
    }
    return live;
  }
}

function readBody(file: string): ReaderBody | undefined | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'unreadable';
  }
  try {
    const body = JSON.parse(text);
    return typeof body?.pid === 'number' && typeof body.token === 'string' ? body : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function isOld(file: string): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > UNREADABLE_GRACE_MS;
  } catch {
    return true;
  }
}
