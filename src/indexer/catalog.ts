// The file catalog is the checkpoint: per file its size, mtime, content hash, chunk count,
// status and last error. It is an append-only JSON-lines log, fsynced after each write batch,
// so a kill at any moment loses at most the batch being written — and that batch is marked
// `writing` before its rows reach the store, so a resumed run knows to clear them first.
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
  private fd: number | undefined;
  private lines = 0;
  /** Set when the log could not be read completely: the caller should rebuild from the store. */
  recoveredFrom: string | undefined;

  private constructor(private readonly file: string) {}

  /** Opens for writing (the lock holder only). */
  static open(file: string): FileCatalog {
    const catalog = new FileCatalog(file);
    catalog.load(true);
    catalog.fd = fs.openSync(file, 'a');
    return catalog;
  }

  /** Reads a snapshot without touching the file (status, search while another process writes). */
  static read(file: string): FileCatalog {
    const catalog = new FileCatalog(file);
    catalog.load(false);
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

  /** Appends records (and deletions) and makes them durable before returning. */
  write(records: FileRecord[], deletions: { root: string; path: string }[] = []): void {
    if (!records.length && !deletions.length) return;
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
    fs.writeSync(this.fd!, text);
    fs.fsyncSync(this.fd!);
    this.lines += lines.length;
  }

  /** Rewrites the log as one line per file when it has grown well beyond that (atomic rename). */
  compactIfNeeded(): void {
    if (this.lines < 2 * this.records.size + 1000) return;
    const tmp = `${this.file}.tmp-${process.pid}`;
    const text = [...this.records.values()].map((r) => JSON.stringify(r)).join('\n');
    fs.writeFileSync(tmp, text ? text + '\n' : '');
    const fd = fs.openSync(tmp, 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.closeSync(this.fd!);
    fs.renameSync(tmp, this.file);
    this.fd = fs.openSync(this.file, 'a');
    this.lines = this.records.size;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private load(repair: boolean): void {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
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
        const aside = `${this.file}.corrupt-${Date.now()}`;
        fs.renameSync(this.file, aside);
        this.records.clear();
        this.lines = 0;
        this.recoveredFrom = aside;
        return;
      }
      const key = fileKey(entry.root ?? '', entry.path);
      if ('deleted' in entry) this.records.delete(key);
      else this.records.set(key, entry);
      this.lines++;
    }
    if (repair && text && !text.endsWith('\n')) {
      // Cut the torn tail so the next append starts on a clean line.
      fs.writeFileSync(this.file, text.slice(0, text.lastIndexOf('\n') + 1));
    }
  }
}

export function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
}

export function writeJsonAtomic(file: string, value: unknown): void {
  ensureDir(path.dirname(file));
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  const fd = fs.openSync(tmp, 'r+');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}
