// The engine: scan → chunk → embed (Piscina workers) → store (this thread, the single writer).
// Drives full runs and single-file updates through one scheduler (scheduler.ts), so a saved file
// (user priority) overtakes background work, and all writes to the store go through one chain
// here, in order, to the writer (writer.ts: store and checkpoint together); this file keeps the
// runs (and the folds themselves, maintain()) and progress; when to fold is maintenance.ts.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { Piscina } from 'piscina';
import { FileCatalog, fileKey, writeJsonAtomicAsync } from './catalog';
import { createEmbedder, defaultWorkers, embedderIsCostly, modelThreadsPerWorker, sharedEmbedderData } from './embed';
import { type IndexInfo, StoreLayout } from './layout';
import { SemindexError } from './errors';
import { type LockTaken, StoreLock } from './lock';
import { ReaderRegistry } from './readers';
import { resources } from './resources';
import { type CandidateFile, type ExcludedCounts, type Root, type ScanOptions, type SkippedFile, absoluteInRoots, errorText, noExclusions, scan, vetFiles } from './scan';
import { SECRET_REASON } from './secrets';
import { Job, Scheduler, type Work } from './scheduler';
import { HybridSearch, type IndexedSpan, type SearchOptions, type SearchResult, type SimilarTarget, chunkTexts } from './search';
import type { ChunkTexts } from './source';
import { type ChunkRow, ChunkStore } from './store';
import type { Embedder, EmbedderConfig } from './types';
import { FoldPolicy, isBulkRun } from './maintenance';
import { IndexWriter, isSecretSkip } from './writer';
import { type BatchResult, type BatchTask, type FileOutcome, type FileTask, TASK_WAITING, TASK_WITHDRAWN, type WithdrawnResult, type WorkerConfig } from './worker';

export interface IndexerOptions extends ScanOptions {
  storeDir: string;
  roots: Root[];
  embedder: EmbedderConfig;
  /** Worker threads (default: embed/index.ts defaultWorkers). */
  workers?: number;
  /** A line longer than this marks a file as minified or generated (default 4000). */
  maxLineLength?: number;
  /** Who writes, for the lock's messages ("cli", "vscode"). */
  owner?: string;
  /** How long to retry, with backoff, while another live writer holds the store, before SemindexError 'BUSY' (default 0). */
  lockWaitMs?: number;
  /** Quiet time after the last update before piled-up incremental writes are folded in (default 5000 ms). */
  maintainIdleMs?: number;
  /** Longest one file's parse may take; past it the file is cut into line windows, with a warning (default 5000 ms). */
  parseTimeoutMs?: number;
}

export type Phase = 'idle' | 'scanning' | 'indexing' | 'finalizing' | 'paused' | 'done' | 'cancelled';

export interface Progress {
  phase: Phase;
  filesTotal: number;
  filesDone: number;
  chunks: number;
  failed: number;
  skipped: number;
  filesPerSec: number;
  etaSeconds: number | undefined;
  /** Seconds since the run started (pauses included, like filesPerSec): lets a UI hold back rate and ETA while they are noise. */
  elapsedSeconds: number;
  /** Share of chunks whose vector came from the embedding cache (costly embedders only). */
  cacheHitRate: number | undefined;
}

export interface RunSummary {
  files: number;
  indexed: number;
  unchanged: number;
  skipped: number;
  failed: number;
  deleted: number;
  chunks: number;
  seconds: number;
  embedder: string;
  /** Files left out, by reason (scan.ts ExcludedCounts): never silently missing. */
  excluded: ExcludedCounts;
  cancelled?: boolean;
}

export interface FailedFile {
  root: string;
  path: string;
  status: 'failed' | 'skipped';
  reason: string;
}

interface RunCounters {
  indexed: number;
  unchanged: number;
  skipped: number;
  failed: number;
  deleted: number;
}


/** Writes are flushed when this many rows wait (or at once for a user-priority file). */
const FLUSH_ROWS = 4096;
/**
 * Two tasks per worker: the next batch already waits in the worker's queue when one ends, instead
 * of the worker idling until this thread (busy writing) hands it over (~4% of the worker's time at
 * one task). Two batches in one worker may take turns between files; they share no mutable state
 * across an await (worker.ts).
 */
const TASKS_PER_WORKER = 2;
/** Dispatch pauses while this many rows wait for the writer (backpressure on memory). */
const MAX_BUFFERED_ROWS = 3 * FLUSH_ROWS;
/** Skips of a full scan kept in skipped.json and listed by problems(). */
const MAX_LISTED_SKIPS = 5000;
/** An update's run facts (lastIncrementalRun) are written to the manifest at most this often. */
const MANIFEST_DELAY_MS = 2000;
/** stats() walks the store for its size at most this often; between walks it reports the last one. */
const BYTES_REFRESH_MS = 10_000;

async function readSkipped(file: string): Promise<SkippedFile[]> {
  try {
    const list = JSON.parse(await fs.promises.readFile(file, 'utf8')) as unknown;
    return Array.isArray(list) ? (list as SkippedFile[]) : [];
  } catch {
    return []; // no full scan yet
  }
}

export class Indexer extends EventEmitter {
  private pool: Piscina | undefined;
  /** Queues, priorities and dispatch (scheduler.ts); this class runs the batches and writes. */
  private readonly scheduler = new Scheduler({
    run: (batch) => this.runBatch(batch),
    // A failed flush is reported by enqueueWrite; the dispatch loop goes on.
    flush: () => this.enqueueWrite(() => this.flush()).catch(() => undefined),
    held: () => this.bufferedRows >= MAX_BUFFERED_ROWS,
    // What the pool runs at once, no more: a task queued inside Piscina could only be waited for.
    capacity: () => {
      const { maxThreads, concurrentTasksPerWorker } = this.workerPool().options;
      return maxThreads * concurrentTasksPerWorker;
    },
  });
  /** Tasks handed to the pool and not answered yet, to take back those not started (pause, cancel, close). */
  private readonly tasks = new Set<{ batch: Work[]; state: Int32Array; abort: AbortController }>();
  /** Outcomes waiting for the writer, with the work each came from (works[i] ↔ files[i]). */
  private pending: { files: FileOutcome[]; works: Work[]; rows: ChunkRow[]; vectors: Float32Array[]; user: boolean } = { files: [], works: [], rows: [], vectors: [], user: false };
  private writeChain: Promise<void> = Promise.resolve();
  /** True from the start of index() to its end. */
  private fullRun = false;
  private paused = false;
  private cancelled = false;
  private counters: RunCounters = { indexed: 0, unchanged: 0, skipped: 0, failed: 0, deleted: 0 };
  /** Files the workers skipped as likely secrets this run (also in counters.skipped). */
  private secretSkipped = 0;
  private progress: Progress = { phase: 'idle', filesTotal: 0, filesDone: 0, chunks: 0, failed: 0, skipped: 0, filesPerSec: 0, etaSeconds: undefined, elapsedSeconds: 0, cacheHitRate: undefined };
  private runStart = 0;
  private cacheHits = 0;
  private embedded = 0;
  private lastEmit = 0;
  /** When incremental writes are folded into the indices (maintenance.ts); maintain() folds. */
  private readonly folds: FoldPolicy;
  /** The fold running now, if any (see maintain()). */
  private maintaining: Promise<void> | undefined;
  /** Rows handed to the writer and not yet in the store: bounded, so a slow write stalls the workers, not memory. */
  private bufferedRows = 0;
  private rowsThisRun = 0;
  private closed = false;
  /** Reads of the store under way outside the write chain (stats), for close() to wait for. */
  private readonly reads = new Set<Promise<void>>();
  /** What the last full scan skipped (skipped.json), held here: problems() is asked after every save. */
  private scanSkipped: SkippedFile[] = [];
  /** The last size walk of the store (stats()), shared by the callers while it runs. */
  private bytes: { at: number; value: Promise<number> } | undefined;
  private manifestTimer: NodeJS.Timeout | undefined;
  /** this.info has run facts the manifest does not have yet (manifestSoon). */
  private manifestDirty = false;

  private constructor(
    private readonly opts: IndexerOptions,
    private readonly layout: StoreLayout,
    private readonly lock: StoreLock,
    readonly embedder: Embedder,
    private info: IndexInfo,
    /** True while this index is being built beside an active one for another embedder. */
    private building: boolean,
    private readonly store: ChunkStore,
    private readonly catalog: FileCatalog,
  ) {
    super();
    this.source = chunkTexts(store, opts.roots);
    this.writer = new IndexWriter(store, catalog, lock, embedder.dim, (message, err) => this.warn(message, err));
    // A failure is reported by maintain() as a `warning`; nothing to add here.
    this.folds = new FoldPolicy(opts.maintainIdleMs ?? 5000, () => this.maintain().catch(() => undefined));
  }

  /** The single writer of the store and the checkpoint (writer.ts). */
  private readonly writer: IndexWriter;

  /** Reads results' code from the files under the roots (source.ts). */
  private readonly source: ChunkTexts;

  /** Opens a store for writing: takes the lock, picks or creates the index for the embedder. */
  static async open(opts: IndexerOptions): Promise<Indexer> {
    const layout = new StoreLayout(opts.storeDir);
    fs.mkdirSync(opts.storeDir, { recursive: true });
    let indexer: Indexer | undefined;
    const lock = await StoreLock.acquire(layout.lockFile, opts.owner ?? 'semindex', { waitMs: opts.lockWaitMs, onLost: (err) => indexer?.lockLost(err) });
    try {
      const embedder = await createEmbedder(opts.embedder, undefined, sharedEmbedderData(opts.embedder));
      let { info, building } = await layout.indexFor(opts.embedder, embedder.id, embedder.dim, embedder.description);
      // Readers in other processes read results' code from these folders (source.ts).
      const roots = opts.roots.map((r) => ({ name: r.name, path: r.path }));
      if (JSON.stringify(info.roots) !== JSON.stringify(roots)) {
        info = { ...info, roots };
        await layout.update(info);
      }
      await layout.removeRetired(); // indices a promotion replaced, once no reader can be serving them
      const store = await ChunkStore.open(layout.lanceDir(info), embedder.dim);
      const catalog = await FileCatalog.open(layout.catalogFile(info));
      indexer = new Indexer(opts, layout, lock, embedder, info, building, store, catalog);
      indexer.scanSkipped = await readSkipped(layout.skippedFile(info));
      if (catalog.recoveredFrom) await indexer.writer.rebuildCatalogFromStore();
      indexer.progress.chunks = await store.count();
      return indexer;
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /**
   * The lease lapsed or another writer took the store over (lock.ts): nothing more is written —
   * every write checks the lock first — and the run stops; close and open again to write.
   */
  private lockLost(err: SemindexError): void {
    this.warn(`semindex: ${err.message}`, err);
    this.cancel();
  }

  /** How this writer took the store lock (free, from a stale holder, or after waiting). */
  get lockTaken(): LockTaken {
    return this.lock.taken;
  }

  get indexInfo(): IndexInfo {
    return this.info;
  }

  /** True while a new index for a different embedder is being built beside the serving one. */
  get isBuilding(): boolean {
    return this.building;
  }

  get currentProgress(): Progress {
    return { ...this.progress };
  }

  /** Full run: scan every root, index what changed, drop what is gone. */
  async index(): Promise<RunSummary> {
    if (this.lock.lost) throw this.lock.lost;
    this.fullRun = true;
    try {
      return await this.runIndex();
    } finally {
      this.fullRun = false;
    }
  }

  private async runIndex(): Promise<RunSummary> {
    this.beginRun();
    this.setPhase('scanning');
    const scanned = await scan(this.opts.roots, this.opts);
    for (const w of scanned.warnings) this.warn(w);
    this.scanSkipped = scanned.skipped.slice(0, MAX_LISTED_SKIPS);
    await writeJsonAtomicAsync(this.layout.skippedFile(this.info), this.scanSkipped);
    const seen = new Set<string>();
    const work: Work[] = [];
    // This run's own files: it waits for them, not for the dispatch loop that saves share.
    const job = new Job();
    // Files a worker skipped (minified, a private key inside) and still the same: skipped again, not "unchanged".
    let skippedBefore = 0;
    for (const file of scanned.files) {
      seen.add(fileKey(file.root, file.path));
      const w = this.workFor(file, false, job);
      if (w) work.push(w);
      else if (this.catalog.get(file.root, file.path)?.status === 'skipped') skippedBefore++;
      else this.counters.unchanged++;
    }
    job.add(work.length);
    const gone: { root: string; path: string }[] = [];
    for (const rec of this.catalog.all()) if (!seen.has(fileKey(rec.root, rec.path))) gone.push({ root: rec.root, path: rec.path });
    this.counters.skipped += scanned.skipped.length + skippedBefore;
    this.progress.filesTotal = scanned.files.length;
    this.progress.filesDone = scanned.files.length - work.length;
    this.progress.skipped = scanned.skipped.length + skippedBefore;
    if (gone.length) await this.enqueueWrite(() => this.removeFiles(gone));
    this.setPhase(this.paused ? 'paused' : 'indexing');
    if (this.cancelled) job.settle(work.length);
    else this.scheduler.addBackground(work);
    job.seal();
    await job.done;
    this.setPhase('finalizing');
    await this.maintaining?.catch(() => undefined);
    if (this.rowsThisRun >= 50_000) {
      // After a large run the index build is the memory peak: free the workers' heaps and parser
      // memory first. The pool starts again on the next update (a few hundred ms, once).
      await this.pool?.destroy();
      this.pool = undefined;
    }
    await this.enqueueWrite(async () => {
      // A run that wrote nothing leaves the indices as they were: no optimize (seconds on a large table).
      if (!this.folds.writes && !gone.length) return;
      this.lock.check();
      // A bulk run (a first index, a large re-run) builds the indices anew, which costs less than
      // folding that many rows in; a small one folds its rows in and compacts (store.ts).
      // On the write queue nothing else writes: files no version refers to can go too (unverified).
      const pruneAtOnce = () => this.unread();
      if (isBulkRun(this.rowsThisRun, await this.store.count())) await this.store.reindex({ pruneAtOnce });
      else await this.store.optimize({ pruneAtOnce, unverified: true });
      this.folds.writes = 0;
      await this.catalog.compactIfNeeded();
    });
    // Secrets the workers found (a private key inside) stay in the checkpoint as skipped files,
    // so they are counted there, unchanged ones included; the scan counts those it named.
    let secretInside = 0;
    for (const rec of this.catalog.all()) if (isSecretSkip(rec)) secretInside++;
    const excluded = { ...scanned.excluded, secret: scanned.excluded.secret + secretInside };
    const summary = await this.summary(scanned.files.length + scanned.skipped.length, excluded);
    if (!this.cancelled && !this.lock.lost) {
      // Files in the index after the run (summary.files also counts the skipped and failed ones).
      const files = summary.indexed + summary.unchanged;
      this.info = { ...this.info, lastFullRun: { at: Date.now(), seconds: summary.seconds, files, chunks: summary.chunks, excluded } };
      await this.writeManifest();
      if (this.building) {
        await this.layout.promote(this.info);
        this.building = false;
      }
    }
    this.setPhase(this.cancelled ? 'cancelled' : 'done');
    this.folds.schedule(); // saves that landed after the run's own index work
    return summary;
  }

  /**
   * Re-indexes these files now, ahead of background work (a save, a watcher event). Files that no
   * longer exist or are now excluded leave the index. Resolves once the changes are searchable.
   */
  async update(absPaths: string[]): Promise<RunSummary> {
    // During a full run (its finalizing included) an update joins it instead of starting its own.
    if (this.lock.lost) throw this.lock.lost;
    const idle = !this.scheduler.busy && !this.fullRun;
    if (idle) this.beginRun();
    const vetted = await vetFiles(this.opts.roots, absPaths, this.opts);
    const gone: { root: string; path: string }[] = [];
    const excluded = noExclusions();
    const job = new Job();
    const works: Work[] = [];
    for (const v of vetted) {
      if (v.kind === 'excluded' && v.reason) excluded[v.reason]++;
      if (v.kind === 'skipped' && v.skipped.reason.startsWith(SECRET_REASON)) excluded.secret++;
      if (v.kind === 'file') {
        const w = this.workFor(v.file, true, job);
        if (!w) continue;
        works.push(w);
      } else if (v.kind === 'missing' || v.kind === 'excluded' || v.kind === 'skipped') {
        const where = v.kind === 'skipped' ? v.skipped : v;
        if (this.catalog.get(where.root, where.path)) gone.push({ root: where.root, path: where.path });
      }
    }
    if (gone.length) await this.enqueueWrite(() => this.removeFiles(gone));
    job.add(works.length);
    // A file still waiting in a full run's queue moves to the front; it was counted there already.
    this.progress.filesTotal += works.length - this.scheduler.addUser(works);
    job.seal();
    await job.done;
    // Saves grow the checkpoint log too: compact it here as well as after full runs.
    await this.enqueueWrite(() => this.catalog.compactIfNeeded());
    this.info = { ...this.info, lastIncrementalRun: Date.now() };
    this.manifestSoon();
    excluded.secret += this.secretSkipped;
    const summary = await this.summary(absPaths.length, excluded);
    if (idle) {
      this.setPhase('done');
      this.folds.schedule();
    }
    return summary;
  }

  /**
   * Folds the incremental writes made since the last fold or full run into the indices and
   * compacts their fragments (when: maintenance.ts FoldPolicy); a full run does this at its end anyway.
   * Runs beside the write queue, not on it: a save during a fold is written and searchable at once.
   * LanceDB commits a delete or an append made during a compaction on top of it — measured: 40
   * saves (delete + add) during 7 s folds of the 215k-chunk index, each at its usual ~60 ms, and
   * every saved file with exactly its new rows after; a unit test checks the same on a fixture.
   * A full run waits for a fold before its own index work. Emits `maintained`; a failure is a
   * `warning` (the rows stay searchable outside the indices) and rejects. After the fold the
   * store's rows are checked against the checkpoint (strayFiles), and files that differ are
   * indexed again before the fold resolves.
   */
  maintain(): Promise<void> {
    this.folds.cancel();
    if (this.maintaining) return this.maintaining;
    const writes = this.folds.writes;
    if (this.closed || this.scheduler.busy || !writes) return Promise.resolve();
    const fold = this.fold(writes).finally(() => {
      this.maintaining = undefined;
    });
    this.maintaining = fold;
    // Writes made during the fold: another fold once enough of them have piled up.
    fold.then(
      () => {
        if (!this.closed) this.folds.schedule();
      },
      () => undefined,
    );
    return fold;
  }

  private async fold(writes: number): Promise<void> {
    const t0 = performance.now();
    try {
      this.lock.check();
      // Pruning is an optimize(): after saves made during the fold it would fold them in too (the
      // BM25 index written anew), so then the next fold prunes. Saves may write beside it: only
      // what older versions alone refer to goes.
      await this.store.optimize({ pruneAtOnce: () => this.folds.writes === writes && this.unread(), unverified: false });
    } catch (err) {
      this.warn(`folding recent writes into the search indices failed: ${errorText(err)}`);
      throw err;
    }
    this.folds.writes -= writes; // writes made during the fold wait for the next one
    this.emit('maintained', { ms: performance.now() - t0 });
    if (this.closed) return;
    let stray: string[] = [];
    await this.enqueueWrite(async () => {
      if (this.closed) return; // the lock may be released already (close)
      stray = await this.strayFiles();
    });
    if (stray.length && !this.closed) await this.update(stray);
  }

  /**
   * Whether no reader of this store is open (readers.ts). After a full run's index work or a fold,
   * the versions its compaction replaced then go at once, rather than at the next fold after
   * their minute — which a CLI run never reaches, and an editor may not for hours.
   */
  private unread(): boolean {
    return !new ReaderRegistry(this.layout.readersDir).anyLive();
  }

  /** The writer's check of the store against the checkpoint (IndexWriter#strayFiles), as absolute paths to index again. */
  private async strayFiles(): Promise<string[]> {
    const { reindex, removed } = await this.writer.strayFiles();
    if (removed) this.folds.writes++;
    return reindex.flatMap((rec) => absoluteInRoots(this.opts.roots, rec.root, rec.path) ?? []);
  }



  pause(): void {
    this.paused = true;
    this.scheduler.pause();
    this.withdraw(false);
    if (this.progress.phase === 'indexing') this.setPhase('paused');
  }

  resume(): void {
    this.paused = false;
    if (this.progress.phase === 'paused') this.setPhase('indexing');
    this.scheduler.resume();
  }

  /** Stops dispatching; what is in flight is written, so nothing is lost and a re-run continues. */
  cancel(): void {
    this.cancelled = true;
    this.scheduler.dropBackground();
    this.withdraw(false);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Searches this index (what is indexed so far, while a run is going). */
  async search(query: string, opts?: SearchOptions): Promise<SearchResult[]> {
    return this.searcher().search(query, opts);
  }

  /** Code like a span of an indexed file or a piece of code (search.ts HybridSearch#similar). */
  async similar(target: SimilarTarget, opts?: SearchOptions): Promise<SearchResult[]> {
    return this.searcher().similar(target, opts);
  }

  /** The innermost indexed chunk holding a line of a file (search.ts HybridSearch#chunkAt). */
  async chunkAt(path: string, line: number): Promise<IndexedSpan | undefined> {
    return this.searcher().chunkAt(path, line);
  }

  private searcher(): HybridSearch {
    return new HybridSearch(this.store, this.embedder, this.source);
  }

  /** Files that failed or were skipped, with reasons (catalog plus the last scan's skips). */
  problems(limit = 1000): FailedFile[] {
    const out: FailedFile[] = [];
    for (const r of this.catalog.all()) {
      if ((r.status === 'failed' || r.status === 'skipped') && out.length < limit) out.push({ root: r.root, path: r.path, status: r.status, reason: r.reason ?? '' });
    }
    for (const s of this.scanSkipped) if (out.length < limit) out.push({ ...s, status: 'skipped' });
    return out;
  }

  stats(): Promise<{ files: number; chunks: number; fragments: number; failed: number; bytes: number; cacheHitRate: number | undefined }> {
    return this.reading(() => this.readStats());
  }

  /**
   * Runs a read of the store that no lease covers (stats: the extension refreshes them on a
   * timer): close() waits for it before it closes the table — a LanceDB call on a closed table
   * can take the process down (a panic in its cache, then heap corruption, seen once in the
   * extension host). Refused once closing.
   */
  private reading<T>(op: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new SemindexError('CLOSED', 'the index is closed'));
    const p = op();
    const tracked = p.then(() => undefined, () => undefined);
    this.reads.add(tracked);
    void tracked.then(() => this.reads.delete(tracked));
    return p;
  }

  private async readStats(): Promise<{ files: number; chunks: number; fragments: number; failed: number; bytes: number; cacheHitRate: number | undefined }> {
    let files = 0;
    let failed = 0;
    for (const r of this.catalog.all()) {
      if (r.status === 'indexed') files++;
      else if (r.status === 'failed') failed++;
    }
    return { files, chunks: await this.store.count(), fragments: await this.store.fragments(), failed, bytes: await this.sizeOnDisk(), cacheHitRate: this.progress.cacheHitRate };
  }

  /** The store's size, walked again at most every BYTES_REFRESH_MS (the walk visits every file of the store). */
  private sizeOnDisk(): Promise<number> {
    if (!this.bytes || performance.now() - this.bytes.at > BYTES_REFRESH_MS) {
      const walk = this.layout.sizeOnDisk();
      this.bytes = { at: performance.now(), value: walk };
      walk.catch(() => {
        if (this.bytes?.value === walk) this.bytes = undefined;
      });
    }
    return this.bytes.value;
  }

  /** Run facts of an update reach the manifest within MANIFEST_DELAY_MS, not once per save. */
  private manifestSoon(): void {
    this.manifestDirty = true;
    if (this.manifestTimer || this.closed) return;
    this.manifestTimer = setTimeout(() => {
      this.manifestTimer = undefined;
      this.writeManifest().catch((err) => this.warn(`semindex: recording the run in the store manifest failed: ${errorText(err)}`));
    }, MANIFEST_DELAY_MS);
    this.manifestTimer.unref();
  }

  /** Writes this.info to the manifest now (if this writer still holds the store). */
  private async writeManifest(): Promise<void> {
    clearTimeout(this.manifestTimer);
    this.manifestTimer = undefined;
    this.manifestDirty = false;
    if (this.lock.lost) return;
    await this.layout.update(this.info);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.folds.cancel();
    this.cancel();
    this.withdraw(true);
    await this.scheduler.idle();
    await this.writeChain.catch(() => undefined);
    if (this.manifestDirty) await this.writeManifest().catch((err) => this.warn(`semindex: recording the run in the store manifest failed: ${errorText(err)}`));
    else clearTimeout(this.manifestTimer);
    // The last write is done: the next writer (a reloaded window, the CLI) may start now, not
    // after a fold of seconds. A fold still running commits beside its writes as it does beside
    // saves (maintain()), and writes nothing more once closed.
    await this.catalog.close().catch(() => undefined);
    this.lock.release();
    await this.maintaining?.catch(() => undefined);
    await this.pool?.destroy();
    await Promise.all([...this.reads]);
    this.store.close();
    await this.embedder.dispose?.();
  }

  // ——— scheduling ———

  private beginRun(): void {
    this.cancelled = false;
    this.rowsThisRun = 0;
    this.counters = { indexed: 0, unchanged: 0, skipped: 0, failed: 0, deleted: 0 };
    this.secretSkipped = 0;
    this.runStart = performance.now();
    this.cacheHits = 0;
    this.embedded = 0;
    this.progress = { ...this.progress, filesTotal: 0, filesDone: 0, failed: 0, skipped: 0, filesPerSec: 0, etaSeconds: undefined, elapsedSeconds: 0 };
  }

  /** The work for a file, or undefined when the catalog says it is unchanged (stat only). */
  private workFor(file: CandidateFile, user: boolean, job: Job): Work | undefined {
    const rec = this.catalog.get(file.root, file.path);
    // Vetted with or without allowSecretFiles, and that setting changed since: read it again (a
    // private key in it decides between skipped and indexed), content unchanged or not.
    const allowChanged = !!rec?.allowSecret !== !!file.allowSecret;
    if (rec && !allowChanged && rec.status !== 'writing' && rec.status !== 'failed' && rec.size === file.size && rec.mtimeMs === file.mtimeMs) return undefined;
    const knownHash = rec && !allowChanged && (rec.status === 'indexed' || rec.status === 'skipped') ? rec.hash : undefined;
    const task: FileTask = { root: file.root, path: file.path, abs: file.abs, knownHash, ...(file.allowSecret ? { allowSecret: true } : {}) };
    return { task, size: file.size, mtimeMs: file.mtimeMs, user, attempt: 0, crashes: 0, alone: false, jobs: [job] };
  }

  private workerPool(): Piscina {
    if (!this.pool) {
      const n = this.workerCount();
      this.pool = new Piscina({ filename: resources.workerScript(), minThreads: n, maxThreads: n, idleTimeout: 60_000,
        concurrentTasksPerWorker: TASKS_PER_WORKER,
        // A bounded heap makes V8 collect a worker's garbage (file texts, chunk strings) early
        // instead of growing towards the default limit; native memory (wasm, ONNX) is not counted.
        resourceLimits: { maxOldGenerationSizeMb: 256 },
        workerData: sharedEmbedderData(this.opts.embedder),
      });
    }
    return this.pool;
  }

  private workerConfig(): WorkerConfig {
    return {
      embedder: this.opts.embedder,
      cacheDir: embedderIsCostly(this.opts.embedder) ? this.layout.lanceDir(this.info) : undefined,
      maxLineLength: this.opts.maxLineLength ?? 4000,
      modelThreads: modelThreadsPerWorker(this.workerCount()),
      parseTimeoutMs: this.opts.parseTimeoutMs ?? 5000,
    };
  }

  private workerCount(): number {
    return Math.max(1, this.opts.workers ?? defaultWorkers(this.opts.embedder));
  }

  /** One batch on the pool; its outcomes are recorded (or re-queued) before this resolves. */
  private runBatch(batch: Work[]): Promise<void> {
    const entry = { batch, state: new Int32Array(new SharedArrayBuffer(4)), abort: new AbortController() };
    const task: BatchTask = { config: this.workerConfig(), files: batch.map((w) => w.task), state: entry.state };
    this.tasks.add(entry);
    const withdrawn = () => Atomics.load(entry.state, 0) === TASK_WITHDRAWN;
    return (this.workerPool().run(task, { signal: entry.abort.signal }) as Promise<BatchResult | WithdrawnResult>)
      .then(
        (result) => ('withdrawn' in result ? this.takenBack(batch) : this.accept(batch, result)),
        (err) => (withdrawn() ? this.takenBack(batch) : this.crashed(batch, err)),
      )
      .finally(() => this.tasks.delete(entry));
  }

  /**
   * Takes back the tasks no worker has started (pause, cancel: background only; close: all), so
   * none of them is waited for. The worker answers such a task at once without touching its files;
   * on close their signals are aborted too, which drops those still queued inside Piscina.
   */
  private withdraw(all: boolean): void {
    for (const t of this.tasks) {
      if (!all && t.batch.some((w) => w.user)) continue;
      Atomics.compareExchange(t.state, 0, TASK_WAITING, TASK_WITHDRAWN);
      // Aborting a task a worker already holds would end that thread: only at close, when the pool
      // goes, and only for tasks taken back now or by an earlier pause or cancel.
      if (all && Atomics.load(t.state, 0) === TASK_WITHDRAWN) t.abort.abort();
    }
  }

  /** A withdrawn batch: back in line when paused; otherwise (cancel, close) left to the next run. */
  private takenBack(batch: Work[]): void {
    if (this.paused && !this.cancelled && !this.closed) {
      this.scheduler.returnBackground(batch);
      return;
    }
    for (const w of batch) for (const job of w.jobs) job.settle();
  }

  /**
   * A worker died (out of memory, a wasm abort) or threw for the whole batch. Nothing says which
   * file did it, so each goes again on its own: one bad file never fails its neighbours. A file
   * that a worker fails on twice, alone the second time, is recorded failed with the error. Piscina
   * starts a new thread for one that exited (worker.ts exits one whose wasm state is broken).
   */
  private crashed(batch: Work[], err: unknown): void {
    for (const w of batch) {
      const crashes = w.crashes + 1;
      if (crashes < 2 || !w.alone) this.scheduler.retry({ ...w, crashes, alone: true });
      else {
        const reason = `worker crashed twice on this file (${errorText(err)})`;
        this.record([w], [{ root: w.task.root, path: w.task.path, status: 'failed', size: w.size, mtimeMs: w.mtimeMs, hash: '', first: 0, count: 0, reason }], [], new Float32Array(0), w.user);
      }
    }
  }

  private accept(batch: Work[], result: BatchResult): void {
    this.cacheHits += result.cacheHits;
    this.embedded += result.embedded;
    const keep: FileOutcome[] = [];
    const kept: Work[] = [];
    // The worker answers each file in order: result.files[i] is batch[i]'s outcome.
    for (const [i, f] of result.files.entries()) {
      if (f.status === 'failed' && batch[i].attempt < 1) this.scheduler.retry({ ...batch[i], attempt: batch[i].attempt + 1 });
      else {
        keep.push(f);
        kept.push(batch[i]);
      }
    }
    for (const f of keep) if (f.note) this.warn(`semindex: ${f.note}`);
    this.record(kept, keep, result.rows, result.vectors, batch.some((w) => w.user));
  }

  // ——— writing (single writer, serialised through writeChain) ———

  private record(works: Work[], files: FileOutcome[], rows: ChunkRow[], vectors: Float32Array, user: boolean): void {
    const dim = this.embedder.dim;
    // Keep only the rows of the files recorded here (a retried file's rows come with its retry).
    for (const f of files) {
      this.pending.files.push({ ...f, first: this.pending.rows.length });
      if (f.status === 'indexed') {
        for (let i = 0; i < f.count; i++) this.pending.rows.push(rows[f.first + i]);
        this.bufferedRows += f.count;
        this.pending.vectors.push(vectors.subarray(f.first * dim, (f.first + f.count) * dim));
      }
    }
    this.pending.works.push(...works);
    this.pending.user ||= user;
    if (this.pending.user || this.pending.rows.length >= FLUSH_ROWS || this.pending.files.length >= 1000) {
      this.enqueueWrite(() => this.flush()).catch(() => undefined); // reported by enqueueWrite
    }
  }

  private enqueueWrite(step: () => Promise<void>): Promise<void> {
    const next = this.writeChain.then(step);
    // A failed step is reported, never left to wedge later writes (close, cancel, the next batch).
    this.writeChain = next.catch((err) => {
      if (SemindexError.is(err, 'LOST_LOCK')) return; // said once, when the lease was found lost
      this.warn(`semindex: writing the index failed: ${errorText(err)}`, SemindexError.is(err) ? err : new SemindexError('WRITE_FAILED', errorText(err), { cause: err }));
    });
    return next;
  }

  /**
   * Emits `warning` (text, and the typed error when there is one). Never throws: an 'error' event
   * without a listener (the CLI has none) or a listener that throws would break the write chain
   * and skip every later write.
   */
  private warn(message: string, err?: SemindexError): void {
    try {
      this.emit('warning', message, err);
    } catch {
      // A listener's own failure is its business; the engine goes on writing.
    }
  }

  /** Writes pending outcomes: mark `writing`, delete old rows, add new rows, mark final. */
  private async flush(): Promise<void> {
    const { files, works, rows, vectors } = this.pending;
    this.pending = { files: [], works: [], rows: [], vectors: [], user: false };
    if (!files.length) return;
    try {
      await this.write(files, rows, vectors);
    } finally {
      // Written or failed, these rows no longer hold the dispatcher back, nor these files their callers.
      this.bufferedRows -= rows.length;
      for (const w of works) for (const job of w.jobs) job.settle();
      this.scheduler.wake();
    }
  }

  /** One write through the writer, then the run's counters and progress. */
  private async write(files: FileOutcome[], rows: ChunkRow[], vectors: Float32Array[]): Promise<void> {
    const t = await this.writer.write(files, rows, vectors);
    this.rowsThisRun += t.rows;
    this.counters.indexed += t.indexed;
    this.counters.unchanged += t.unchanged;
    this.counters.skipped += t.skipped;
    this.counters.failed += t.failed;
    this.counters.deleted += t.deleted;
    this.secretSkipped += t.secretSkipped;
    this.progress.chunks = await this.store.count();
    this.progress.filesDone += t.files;
    this.progress.failed = this.counters.failed;
    this.progress.skipped += t.progressSkipped;
    this.folds.writes++;
    this.emitProgress(true);
  }

  private async removeFiles(files: { root: string; path: string }[]): Promise<void> {
    await this.writer.removeFiles(files);
    this.folds.writes++;
    this.counters.deleted += files.length;
    this.progress.chunks = await this.store.count();
    this.emitProgress(true);
  }

  private async summary(files: number, excluded: ExcludedCounts): Promise<RunSummary> {
    await this.writeChain;
    const seconds = (performance.now() - this.runStart) / 1000;
    return {
      files,
      ...this.counters,
      chunks: await this.store.count(),
      seconds: Number(seconds.toFixed(3)),
      embedder: this.embedder.id,
      excluded,
      ...(this.cancelled ? { cancelled: true } : {}),
    };
  }

  // ——— progress ———

  private setPhase(phase: Phase): void {
    this.progress.phase = phase;
    this.emitProgress(true);
  }

  private emitProgress(force = false): void {
    const now = performance.now();
    if (!force && now - this.lastEmit < 250) return;
    if (force && now - this.lastEmit < 100 && this.progress.phase === 'indexing') return;
    this.lastEmit = now;
    const elapsed = (now - this.runStart) / 1000;
    const done = this.counters.indexed + this.counters.failed + this.counters.skipped;
    this.progress.elapsedSeconds = elapsed;
    this.progress.filesPerSec = elapsed > 0 ? done / elapsed : 0;
    const left = this.progress.filesTotal - this.progress.filesDone;
    this.progress.etaSeconds = this.progress.filesPerSec > 0 && left > 0 ? left / this.progress.filesPerSec : undefined;
    const looked = this.cacheHits + this.embedded;
    this.progress.cacheHitRate = embedderIsCostly(this.opts.embedder) && looked ? this.cacheHits / looked : undefined;
    this.emit('progress', { ...this.progress });
  }
}
