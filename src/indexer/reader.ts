// Read-only access to a store: search and status without the writer lock, so the CLI can query
// a store the extension is writing (and the other way round). Serves the active index.
import { FileCatalog } from './catalog';
import { createEmbedder } from './embed';
import { type IndexInfo, StoreLayout, indexFormat } from './layout';
import type { ExcludedCounts } from './scan';
import { HybridSearch, type SearchOptions, type SearchResult } from './search';
import { ChunkStore } from './store';
import type { Embedder } from './types';

export interface StoreStatus {
  files: number;
  chunks: number;
  failed: number;
  skipped: number;
  embedder: string;
  embedderDescription: string;
  dim: number;
  bytes: number;
  lastFullRun?: IndexInfo['lastFullRun'];
  lastIncrementalRun?: number;
  /** Files the last full run left out, by reason (scan.ts ExcludedCounts); absent before a run of this version. */
  excluded?: ExcludedCounts;
  /** Set while a new index for another embedder is being built (it serves once complete). */
  building?: { embedder: string; files: number };
}

export class IndexReader {
  private constructor(
    private readonly layout: StoreLayout,
    readonly info: IndexInfo,
    readonly embedder: Embedder,
    private readonly store: ChunkStore,
  ) {}

  static async open(storeDir: string): Promise<IndexReader> {
    const layout = new StoreLayout(storeDir);
    const info = layout.exists() ? layout.read().active : undefined;
    if (!info) throw new Error(`semindex: no index in ${storeDir}; run "semindex index <root> --store ${storeDir}" first`);
    const embedder = await createEmbedder(info.embedder);
    if (embedder.id !== info.embedderId) {
      throw new Error(`semindex: the index was built with ${info.embedderId} but that embedder now loads as ${embedder.id}; re-index`);
    }
    const store = await ChunkStore.open(layout.lanceDir(info), info.dim);
    return new IndexReader(layout, info, embedder, store);
  }

  async search(query: string, opts?: SearchOptions): Promise<SearchResult[]> {
    return new HybridSearch(this.store, this.embedder, indexFormat(this.info)).search(query, opts);
  }

  async status(): Promise<StoreStatus> {
    const manifest = this.layout.read();
    const counts = (info: IndexInfo) => {
      const c = { files: 0, failed: 0, skipped: 0 };
      for (const r of FileCatalog.read(this.layout.catalogFile(info)).all()) {
        if (r.status === 'indexed') c.files++;
        else if (r.status === 'failed') c.failed++;
        else if (r.status === 'skipped') c.skipped++;
      }
      return c;
    };
    const info = manifest.active ?? this.info;
    return {
      ...counts(info),
      chunks: await this.store.count(),
      embedder: info.embedderId,
      embedderDescription: info.description,
      dim: info.dim,
      bytes: this.layout.sizeOnDisk(),
      lastFullRun: info.lastFullRun,
      lastIncrementalRun: info.lastIncrementalRun,
      ...(info.lastFullRun?.excluded ? { excluded: info.lastFullRun.excluded } : {}),
      ...(manifest.building ? { building: { embedder: manifest.building.embedderId, files: counts(manifest.building).files } } : {}),
    };
  }

  close(): void {
    this.store.close();
  }
}
