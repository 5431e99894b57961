// Read-only access to a store: search and status without the writer lock, so the CLI can query
// a store the extension is writing (and the other way round). Serves the active index.
import * as fs from 'node:fs';
import { FileCatalog } from './catalog';
import { SemindexError } from './errors';
import { createEmbedder } from './embed';
import { type IndexInfo, StoreLayout, indexFormat } from './layout';
import { StoreLock } from './lock';
import { ReaderRegistry } from './readers';
import type { ExcludedCounts } from './scan';
import type { Root } from './scan';
import { HybridSearch, type IndexedSpan, type SearchOptions, type SearchResult, type SimilarTarget, chunkTexts } from './search';
import type { ChunkTexts } from './source';
import { ChunkStore, type StoreDiskUsage } from './store';
import type { Embedder } from './types';

/** The folder holds no index (never indexed, or not a store at all). */
export const noIndexError = (storeDir: string): SemindexError =>
  new SemindexError('NO_INDEX', `no index in ${storeDir}; run "semindex index <root> --store ${storeDir}" first`);

/** How much of the indexed folders searches cover, as far as a reader can tell. */
export interface Coverage {
  /**
   * Share (0..1) of the files searches cover: files indexed ÷ files of the last completed full
   * run; null during a first run (no total known to a reader).
   */
  share: number | null;
  /** Files indexed (searchable) now. */
  files: number;
  /** A full run has completed over this index. */
  complete: boolean;
  /** A writer (the extension, `semindex index`) holds the store: rows may still arrive. */
  writing: boolean;
}

export interface StoreStatus {
  files: number;
  chunks: number;
  failed: number;
  skipped: number;
  embedder: string;
  embedderDescription: string;
  dim: number;
  bytes: number;
  /** The active index's table on disk, by part (the rest of `bytes`: catalogs, an index being built). */
  disk: StoreDiskUsage;
  lastFullRun?: IndexInfo['lastFullRun'];
  lastIncrementalRun?: number;
  /** Files the last full run left out, by reason (scan.ts ExcludedCounts); absent before a run of this version. */
  excluded?: ExcludedCounts;
  /** Set while a new index for another embedder is being built (it serves once complete). */
  building?: { embedder: string; files: number };
  coverage: Coverage;
}

export class IndexReader {
  private constructor(
    private readonly layout: StoreLayout,
    private _info: IndexInfo,
    readonly embedder: Embedder,
    private readonly store: ChunkStore,
    /** The folders the caller gave, if any (otherwise the index's own: IndexInfo.roots). */
    private readonly roots: readonly Root[] | undefined,
    /** Ends this reader's registration (readers.ts). */
    private readonly unregister: () => void,
  ) {
    this.source = chunkTexts(store, roots ?? _info.roots ?? []);
  }

  /** Reads results' code: from the files under the roots, or an old index's own text (search.ts chunkTexts). */
  private source: ChunkTexts;

  get info(): IndexInfo {
    return this._info;
  }

  private readonly countCache = new Map<string, { key: string; counts: { files: number; failed: number; skipped: number } }>();

  /**
   * `roots`: where the files of the rows' root labels are (the extension's workspace folders);
   * by default the folders the index's writer recorded (IndexInfo.roots).
   */
  static async open(storeDir: string, opts: { roots?: readonly Root[] } = {}): Promise<IndexReader> {
    const layout = new StoreLayout(storeDir);
    const info = layout.exists() ? layout.read().active : undefined;
    if (!info) throw noIndexError(storeDir);
    const embedder = await createEmbedder(info.embedder);
    if (embedder.id !== info.embedderId) {
      throw new SemindexError('MODEL', `the index was built with ${info.embedderId} but that embedder now loads as ${embedder.id}; re-index`);
    }
    // Registered before the table opens: a writer that sees no reader knows that any later one opens its latest version.
    const unregister = new ReaderRegistry(layout.readersDir).register();
    try {
      const store = await ChunkStore.open(layout.lanceDir(info), info.dim);
      return new IndexReader(layout, info, embedder, store, opts.roots, unregister);
    } catch (err) {
      unregister();
      throw err;
    }
  }

  async search(query: string, opts?: SearchOptions): Promise<SearchResult[]> {
    return this.searcher().search(query, opts);
  }

  /** Code like a span of an indexed file (left out of the results) or like a piece of code (search.ts). */
  async similar(target: SimilarTarget, opts?: SearchOptions): Promise<SearchResult[]> {
    return this.searcher().similar(target, opts);
  }

  /** The innermost indexed chunk holding a line of a file (search.ts HybridSearch#chunkAt). */
  async chunkAt(path: string, line: number): Promise<IndexedSpan | undefined> {
    return this.searcher().chunkAt(path, line);
  }

  private searcher(): HybridSearch {
    return new HybridSearch(this.store, this.embedder, this.source, indexFormat(this.info));
  }

  /** Rows in the index now (as of the version this reader serves). */
  async chunks(): Promise<number> {
    return this.store.count();
  }

  /**
   * Brings this reader to what writers have committed since it opened (new rows, rebuilt
   * indices). False when the store serves another index now (an embedder switch completed, the
   * store cleared): open a new reader then.
   */
  async refresh(): Promise<boolean> {
    const active = this.layout.exists() ? this.layout.read().active : undefined;
    if (active?.dir !== this.info.dir) return false;
    // Another writer may have been given other folders (its rows follow once it has run).
    if (!this.roots && JSON.stringify(active.roots) !== JSON.stringify(this.info.roots)) {
      this._info = { ...this._info, roots: active.roots };
      this.source = chunkTexts(this.store, active.roots ?? []);
    }
    await this.store.followLatest();
    return true;
  }

  async status(): Promise<StoreStatus> {
    const manifest = this.layout.read();
    const info = manifest.active ?? this.info;
    const c = this.counts(info);
    return {
      ...c,
      chunks: await this.store.count(),
      embedder: info.embedderId,
      embedderDescription: info.description,
      dim: info.dim,
      bytes: await this.layout.sizeOnDisk(),
      disk: await this.store.diskUsage(),
      lastFullRun: info.lastFullRun,
      lastIncrementalRun: info.lastIncrementalRun,
      ...(info.lastFullRun?.excluded ? { excluded: info.lastFullRun.excluded } : {}),
      ...(manifest.building ? { building: { embedder: manifest.building.embedderId, files: this.counts(manifest.building).files } } : {}),
      coverage: this.coverageOf(info, c.files),
    };
  }

  /** How much searches cover now (status() without the size walk: a search reports it with its results). */
  coverage(): Coverage {
    const info = this.layout.read().active ?? this.info;
    return this.coverageOf(info, this.counts(info).files);
  }

  private coverageOf(info: IndexInfo, files: number): Coverage {
    const done = info.lastFullRun?.files;
    return {
      // A run after the last full one can have added files (a share over 1) or be re-reading
      // them (the catalog's `writing` records): the share is an estimate, kept within 0..1.
      share: done === undefined ? null : done === 0 ? 1 : Math.min(1, files / done),
      files,
      complete: done !== undefined,
      writing: !!StoreLock.holder(this.layout.lockFile),
    };
  }

  /** Catalog counts, read again only when the catalog file changed (a long-lived reader asks on every search). */
  private counts(info: IndexInfo): { files: number; failed: number; skipped: number } {
    const file = this.layout.catalogFile(info);
    let key = '';
    try {
      const st = fs.statSync(file);
      key = `${st.size}:${st.mtimeMs}`;
    } catch {
      // No catalog yet: counted as empty below, and not cached.
    }
    const cached = this.countCache.get(file);
    if (key && cached?.key === key) return cached.counts;
    const counts = { files: 0, failed: 0, skipped: 0 };
    for (const r of FileCatalog.read(file).all()) {
      if (r.status === 'indexed') counts.files++;
      else if (r.status === 'failed') counts.failed++;
      else if (r.status === 'skipped') counts.skipped++;
    }
    if (key) this.countCache.set(file, { key, counts });
    return counts;
  }

  close(): void {
    this.store.close();
    this.unregister();
  }
}

/**
 * A reader for a long-lived process (the MCP server): every use first picks up what writers
 * committed since the last one, and a store that now serves another index (or has one at last)
 * gets a new reader; the old one closes once its running calls are done. Reading never takes the
 * writer's lock, so it works beside the extension or `semindex index` writing the same store.
 */
export class FollowingReader {
  private current: { reader: IndexReader; users: number; stale: boolean } | undefined;
  /** Refresh/reopen steps run one at a time; searches on a fresh reader run side by side. */
  private step: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(readonly storeDir: string) {}

  /** Runs fn on a reader of the store's latest committed state. Throws SemindexError 'NO_INDEX' when there is no index. */
  async use<T>(fn: (reader: IndexReader) => Promise<T>): Promise<T> {
    const entry = await this.serial(() => this.fresh());
    entry.users++;
    try {
      return await fn(entry.reader);
    } finally {
      entry.users--;
      if (entry.stale && !entry.users) entry.reader.close();
    }
  }

  close(): void {
    this.closed = true;
    const entry = this.current;
    this.current = undefined;
    if (entry) {
      entry.stale = true;
      if (!entry.users) entry.reader.close();
    }
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.step.then(op, op);
    this.step = next.catch(() => undefined);
    return next;
  }

  private async fresh(): Promise<{ reader: IndexReader; users: number; stale: boolean }> {
    if (this.closed) throw new SemindexError('CLOSED', 'the reader is closed');
    const entry = this.current;
    if (entry && (await entry.reader.refresh())) return entry;
    if (entry) {
      this.current = undefined;
      entry.stale = true;
      if (!entry.users) entry.reader.close();
    }
    const reader = await IndexReader.open(this.storeDir);
    this.current = { reader, users: 0, stale: false };
    return this.current;
  }
}
