// The file catalog is the checkpoint: per file its size, mtime, content hash, chunk count,
// status and last error. It is an append-only JSON-lines log, fsynced after each write batch,
// so a kill at any moment loses at most the batch being written — and that batch is marked
// `writing` before its rows reach the store, so a resumed run knows to clear them first.
// All file I/O of a writer is asynchronous (the engine runs on the extension host's thread):
// appends and compactions are queued one after the other, the in-memory view changes at once.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type FileStatus =
  /** Chunks are in the store and match `hash`. */
  | 'indexed'
  /** Rows for this file may be partly in the store: delete them before writing again. */
  | 'writing'
  /** Deliberately not indexed (binary, too large, minified…): `reason` says why. */
  | 'skipped'
  /** Could not be indexed after a retry: `reason` has the error. */
  | 'failed';

export interface FileRecord {
  root: string;
  path: string;
  size: number;
  mtimeMs: number;
  hash: string;
  chunks: number;
  status: FileStatus;
  reason?: string;
  /** Vetted under `allowSecretFiles` (secrets.ts): a change of that setting re-reads the file. */
  allowSecret?: true;
  /** When this record was written (ms since epoch). */
  at: number;
}

type LogLine = FileRecord | { deleted: true; root: string; path: string; at: number };

export function fileKey(root: string, relPath: string): string {
  return root ? `${root}\u0000${relPath}` : relPath;
}

export class FileCatalog {
  private readonly records = new Map<string, FileRecord>();
  private handle: fs.promises.FileHandle | undefined;
  /** Appends and compactions, one after the other. */
  private tail: Promise<void> = Promise.resolve();
  private lines = 0;
  /** Set when the log could not be read completely: the caller should rebuild from the store. */
  recoveredFrom: string | undefined;

  private constructor(private readonly file: string) {}

  /** Opens for writing (the lock holder only). */
  static async open(file: string): Promise<FileCatalog> {
    const catalog = new FileCatalog(file);
    catalog.parse(await readCatalogText(file), true);
    if (catalog.torn !== undefined) await fs.promises.truncate(file, catalog.torn);
    if (catalog.recoveredFrom) await fs.promises.rename(file, catalog.recoveredFrom);
    catalog.handle = await fs.promises.open(file, 'a');
    return catalog;
  }

  /** Reads a snapshot without touching the file (status, search while another process writes). */
  static read(file: string): FileCatalog {
    const catalog = new FileCatalog(file);
    let text: string | undefined;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    catalog.parse(text, false);
    return catalog;
  }

  get size(): number {
    return this.records.size;
  }

  get(root: string, relPath: string): FileRecord | undefined {
    return this.records.get(fileKey(root, relPath));
  }

  all(): IterableIterator<FileRecord> {
    return this.records.values();
  }

  /** Appends records (and deletions); resolves once they are durable. The in-memory view has them at once. */
  write(records: FileRecord[], deletions: { root: string; path: string }[] = []): Promise<void> {
    if (!records.length && !deletions.length) return this.tail;
    const at = Date.now();
    const lines: LogLine[] = [];
    for (const d of deletions) {
      this.records.delete(fileKey(d.root, d.path));
      lines.push({ deleted: true, root: d.root, path: d.path, at });
    }
    for (const r of records) {
      this.records.set(fileKey(r.root, r.path), r);
      lines.push(r);
    }
    const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
    this.lines += lines.length;
    return this.queue(async (handle) => {
      await handle.write(text);
      await handle.datasync();
    });
  }

  /**
   * Rewrites the log as one line per file when it has grown well beyond that (atomic rename):
   * after full runs and after updates, so a long session of saves does not grow it without end.
   */
  compactIfNeeded(): Promise<void> {
    if (this.lines < 2 * this.records.size + 1000) return this.tail;
    const records = [...this.records.values()];
    this.lines = records.length;
    return this.queue(async (handle) => {
      const tmp = `${this.file}.tmp-${process.pid}`;
      const out = await fs.promises.open(tmp, 'w');
      try {
        // In slices, yielding between them: a large catalog is megabytes of JSON.
        for (let i = 0; i < records.length; i += COMPACT_SLICE) {
          await out.write(records.slice(i, i + COMPACT_SLICE).map((r) => JSON.stringify(r) + '\n').join(''));
        }
        await out.sync();
      } finally {
        await out.close();
      }
      await handle.close();
      this.handle = undefined;
      await fs.promises.rename(tmp, this.file);
      this.handle = await fs.promises.open(this.file, 'a');
    });
  }

  /** Lines in the log now (records and deletions since the last compaction). */
  get logLines(): number {
    return this.lines;
  }

  /** Waits for the queued writes, then closes the file. */
  async close(): Promise<void> {
    await this.tail;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private queue(op: (handle: fs.promises.FileHandle) => Promise<void>): Promise<void> {
    const next = this.tail.then(() => {
      if (!this.handle) throw new Error(`the checkpoint ${this.file} is closed`);
      return op(this.handle);
    });
    // A failed write rejects its caller; the next one still runs.
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Byte length to cut a torn tail to (set by parse with repair). */
  private torn: number | undefined;

  private parse(text: string | undefined, repair: boolean): void {
    if (text === undefined) return;
    const lines = text.split('\n');
    // A kill mid-append leaves at most a torn last line: that one is dropped silently.
    const last = lines.length - 1;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (!line) continue;
      let entry: LogLine;
      try {
        entry = JSON.parse(line);
        if (typeof entry !== 'object' || entry === null || typeof entry.path !== 'string') throw new Error('not a record');
      } catch {
        if (i === last || !repair) continue;
        // Damage in the middle: the log cannot be trusted. Keep it for inspection, start over;
        // the indexer re-derives what is in the store (nothing indexed is lost).
        this.records.clear();
        this.lines = 0;
        this.recoveredFrom = `${this.file}.corrupt-${Date.now()}`; // open() moves it there
        return;
      }
      const key = fileKey(entry.root ?? '', entry.path);
      if ('deleted' in entry) this.records.delete(key);
      else this.records.set(key, entry);
      this.lines++;
    }
    if (repair && text && !text.endsWith('\n')) {
      // Cut the torn tail so the next append starts on a clean line (open() truncates).
      this.torn = Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1));
    }
  }
}

/** Records per write when compacting. */
const COMPACT_SLICE = 5000;

async function readCatalogText(file: string): Promise<string | undefined> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
}

/**
 * As writeJsonAtomic, without blocking the thread. Hand-written (a temp file, fsync, rename) rather
 * than write-file-atomic: that package is not among our dependencies and this is all we need of it.
 */
export async function writeJsonAtomicAsync(file: string, value: unknown): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${(tmpSeq = (tmpSeq + 1) % 1e9)}`;
  const out = await fs.promises.open(tmp, 'w');
  try {
    await out.write(JSON.stringify(value, null, 2) + '\n');
    await out.sync();
  } finally {
    await out.close();
  }
  await fs.promises.rename(tmp, file);
}
let tmpSeq = 0;

export function writeJsonAtomic(file: string, value: unknown): void {
  ensureDir(path.dirname(file));
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  const fd = fs.openSync(tmp, 'r+');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}
