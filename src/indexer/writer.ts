// The single writer: each write of outcomes goes to the store and the checkpoint together, in the
// order that keeps them consistent after a crash at any point (a file is marked `writing` before
// its old rows go, and final only once its new rows are in). Only the engine's write chain calls
// it (indexer.ts enqueueWrite), one write at a time, and every write checks the store lock first.
import { type FileCatalog, type FileRecord, fileKey } from './catalog';
import { SemindexError } from './errors';
import type { StoreLock } from './lock';
import { errorText } from './scan';
import { SECRET_REASON } from './secrets';
import type { ChunkRow, ChunkStore } from './store';
import type { FileOutcome } from './worker';

export const isSecretSkip = (r: { status: string; reason?: string }): boolean => r.status === 'skipped' && !!r.reason?.startsWith(SECRET_REASON);

/** What one write did, for the run's counters and progress (indexer.ts). */
export interface WriteTally {
  /** Outcomes written (one per file: latestPerFile). */
  files: number;
  /** Rows added to the store. */
  rows: number;
  indexed: number;
  unchanged: number;
  skipped: number;
  failed: number;
  deleted: number;
  /** Of `skipped`, files skipped as likely secrets. */
  secretSkipped: number;
  /** Files this write moves to the progress's skipped count. */
  progressSkipped: number;
}

/**
 * One outcome per file in a write. The same file can come back twice before a write (a full run's
 * batch and a save's for it were both in flight): its old rows would be deleted once and both
 * outcomes' rows added — every chunk of it twice. The later outcome wins, as it would in two writes.
 * `first` of each outcome indexes `rows`; `vectors` holds one entry per indexed outcome, in order.
 */
function latestPerFile(files: FileOutcome[], rows: ChunkRow[], vectors: Float32Array[]): { files: FileOutcome[]; rows: ChunkRow[]; vectors: Float32Array[] } {
  const last = new Map<string, number>();
  for (const [i, f] of files.entries()) last.set(fileKey(f.root, f.path), i);
  if (last.size === files.length) return { files, rows, vectors };
  const out: { files: FileOutcome[]; rows: ChunkRow[]; vectors: Float32Array[] } = { files: [], rows: [], vectors: [] };
  let v = 0;
  for (const [i, f] of files.entries()) {
    const vector = f.status === 'indexed' ? vectors[v++] : undefined;
    if (last.get(fileKey(f.root, f.path)) !== i) continue;
    out.files.push({ ...f, first: out.rows.length });
    if (vector) {
      for (let k = 0; k < f.count; k++) out.rows.push(rows[f.first + k]);
      out.vectors.push(vector);
    }
  }
  return out;
}

/** One store write, tried again once: LanceDB commits a write whole or not at all, so a retry cannot double rows. */
async function retryOnce<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch {
    return op();
  }
}

export class IndexWriter {
  constructor(
    private readonly store: ChunkStore,
    private readonly catalog: FileCatalog,
    private readonly lock: StoreLock,
    private readonly dim: number,
    /** Reports a problem (never throws: indexer.ts#warn). */
    private readonly warn: (message: string, err?: SemindexError) => void,
  ) {}

  /** Writes outcomes: mark `writing`, delete old rows, add new rows, mark final. */
  async write(files: FileOutcome[], rows: ChunkRow[], vectors: Float32Array[]): Promise<WriteTally> {
    this.lock.check();
    ({ files, rows, vectors } = latestPerFile(files, rows, vectors));
    const tally: WriteTally = { files: 0, rows: 0, indexed: 0, unchanged: 0, skipped: 0, failed: 0, deleted: 0, secretSkipped: 0, progressSkipped: 0 };
    const now = Date.now();
    const stale: { root: string; path: string }[] = [];
    const marks: FileRecord[] = [];
    for (const f of files) {
      const rec = this.catalog.get(f.root, f.path);
      // A failed file may hold rows of a write that failed half-way (see below).
      const hadRows = rec && (rec.status === 'writing' || rec.status === 'failed' || (rec.status === 'indexed' && rec.chunks > 0));
      if (f.status === 'unchanged') continue;
      if (hadRows) stale.push({ root: f.root, path: f.path });
      if (f.status === 'indexed' && f.count > 0) marks.push({ root: f.root, path: f.path, size: f.size, mtimeMs: f.mtimeMs, hash: f.hash, chunks: f.count, status: 'writing', at: now });
    }
    if (marks.length) await this.catalog.write(marks);
    // A store write that fails twice costs this batch's files, not the run: they are recorded
    // failed with the reason (their old rows may be gone already), so no file is left marked done
    // but unsearchable, and the next run indexes them again (workFor re-reads failed files).
    let writeFailed: string | undefined;
    try {
      if (stale.length) await retryOnce(() => this.store.deleteFiles(stale));
    } catch (err) {
      writeFailed = `removing its old rows from the index failed: ${errorText(err)}`;
    }
    if (rows.length && !writeFailed) {
      const all = new Float32Array(rows.length * this.dim);
      let offset = 0;
      for (const v of vectors) {
        all.set(v, offset);
        offset += v.length;
      }
      try {
        await retryOnce(() => this.store.add({ rows, vectors: all }));
        tally.rows = rows.length;
      } catch (err) {
        writeFailed = `writing its rows to the index failed: ${errorText(err)}`;
      }
      // Without the BM25 index the rows are still found by vector search; the next write or fold builds it.
      if (!writeFailed) await this.store.ensureFtsIndex().catch((err) => this.warn(`semindex: building the keyword index failed: ${errorText(err)}`, new SemindexError('WRITE_FAILED', errorText(err), { cause: err })));
    }
    if (writeFailed) {
      const hit = files.filter((f) => f.status === 'indexed' || stale.some((s) => s.root === f.root && s.path === f.path));
      files = files.map((f) => (hit.includes(f) ? { ...f, status: 'failed' as const, count: 0, reason: writeFailed } : f));
      const names = hit.slice(0, 5).map((f) => f.path).join(', ');
      this.warn(`semindex: ${hit.length} file(s) could not be written to the index (${names}${hit.length > 5 ? ', …' : ''}): ${writeFailed}; they are indexed again on the next run`,
        new SemindexError('WRITE_FAILED', writeFailed, { files: hit.map((f) => ({ root: f.root, path: f.path })) }));
    }
    const finals: FileRecord[] = [];
    const removed: { root: string; path: string }[] = [];
    for (const f of files) {
      if (f.status === 'missing') {
        if (this.catalog.get(f.root, f.path)) {
          removed.push(f);
          tally.deleted++;
        }
        continue;
      }
      const rec = this.catalog.get(f.root, f.path);
      if (f.status === 'unchanged') {
        // Same content as recorded: a file skipped before (minified, a secret inside) stays skipped.
        if (rec?.status === 'skipped') {
          tally.skipped++;
          tally.progressSkipped++;
          if (isSecretSkip(rec)) tally.secretSkipped++;
        } else tally.unchanged++;
        if (rec) finals.push({ ...rec, size: f.size, mtimeMs: f.mtimeMs, at: now });
        continue;
      }
      finals.push({ root: f.root, path: f.path, size: f.size, mtimeMs: f.mtimeMs, hash: f.hash, chunks: f.status === 'indexed' ? f.count : 0, status: f.status, reason: f.reason, ...(f.allowSecret ? { allowSecret: true as const } : {}), at: now });
      if (f.status === 'indexed') tally.indexed++;
      else if (f.status === 'failed') tally.failed++;
      else {
        tally.skipped++;
        if (isSecretSkip(f)) tally.secretSkipped++;
      }
    }
    await this.catalog.write(finals, removed);
    tally.files = files.length;
    tally.progressSkipped += files.filter((f) => f.status === 'skipped').length;
    return tally;
  }

  /** Deletes the rows and the records of files that are gone. */
  async removeFiles(files: { root: string; path: string }[]): Promise<void> {
    this.lock.check();
    await this.store.deleteFiles(files);
    await this.catalog.write([], files);
  }

  /**
   * The fold ran beside writes and relies on LanceDB merging a save's delete and append with a
   * compaction; this checks the outcome, between two writes: the store must hold exactly the rows
   * the checkpoint records. A row count first (milliseconds); only when it differs are the rows
   * grouped by file. Rows of a file that differ from its record are deleted and the file is marked
   * for indexing again (returned); rows of files the checkpoint does not know are deleted
   * (`removed`: whether anything was). So a bad merge would cost a re-index of the files involved,
   * never a lost or doubled chunk.
   */
  async strayFiles(): Promise<{ reindex: FileRecord[]; removed: boolean }> {
    const expected = (rec: FileRecord) => (rec.status === 'indexed' ? rec.chunks : 0);
    let total = 0;
    for (const rec of this.catalog.all()) total += expected(rec);
    if (total === (await this.store.count())) return { reindex: [], removed: false };
    const held = new Map((await this.store.fileHashes()).map((f) => [fileKey(f.root, f.path), f]));
    const wrong: FileRecord[] = [];
    for (const rec of this.catalog.all()) {
      const key = fileKey(rec.root, rec.path);
      if ((held.get(key)?.chunks ?? 0) !== expected(rec)) wrong.push(rec);
      held.delete(key);
    }
    const stray = [...wrong, ...held.values()]; // the latter: rows of files the checkpoint does not know
    if (!stray.length) return { reindex: [], removed: false };
    await this.store.deleteFiles(stray);
    const now = Date.now();
    await this.catalog.write(wrong.map((rec) => ({ ...rec, chunks: 0, status: 'writing' as const, at: now })));
    const names = stray.slice(0, 5).map((f) => f.path).join(', ');
    this.warn(`semindex: the index held rows that differ from the checkpoint for ${stray.length} file(s) (${names}${stray.length > 5 ? ', …' : ''}); their rows were removed and they are indexed again`);
    return { reindex: wrong, removed: true };
  }

  /** After a damaged checkpoint: trust what the store holds (row sets are written whole per file). */
  async rebuildCatalogFromStore(): Promise<void> {
    const files = await this.store.fileHashes();
    const now = Date.now();
    // size/mtime unknown: the next scan re-hashes these files, and unchanged content is kept as is.
    await this.catalog.write(files.map((f) => ({ root: f.root, path: f.path, size: -1, mtimeMs: -1, hash: f.hash, chunks: f.chunks, status: 'indexed' as const, at: now })));
    this.warn(`semindex: the checkpoint was damaged and was rebuilt from the index (${files.length} files); the damaged copy is ${this.catalog.recoveredFrom}`);
  }
}
