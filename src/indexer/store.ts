// Stage 4 — store: one LanceDB table of chunks (vectors beside a BM25 full-text index).
// Only the main thread of the process that holds the store lock writes here, in batches.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import * as arrow from 'apache-arrow';
import type { ChunkSpan, ChunkText } from './source';
import type { Chunk, ChunkKind } from './types';

/**
 * A chunk as stored: what the chunk stage made but its text, plus its root, BM25 field and hashes
 * (and a vector). The text is in the file (source.ts reads it back for display): kept here it was
 * the largest column (format ≤ 7).
 */
export interface ChunkRow extends Omit<Chunk, 'text'> {
  root: string;
  /** Identifier-split words for BM25 (tokens.ts#ftsText). */
  fts: string;
  /** The words of its symbol and file name, for the name list (tokens.ts#nameField). */
  names: string;
  /** docpairs.ts#bodyHash of the text (white space left out): the same code however indented. */
  textHash: string;
  fileHash: string;
  /** Size in bytes of the chunk's file: of identical copies, search shows the one in the smallest file. */
  fileSize: number;
}

/** Rows of one write: the metadata plus all their vectors end to end (rows × dim). */
export interface ChunkBatch {
  rows: ChunkRow[];
  vectors: Float32Array;
}

/** A row as chunksIn() gives it: the chunk without its text, with its hash and row id. */
export interface IndexedChunk extends Omit<Chunk, 'text'>, ChunkSpan {
  rowId: bigint;
}

/** Bytes on disk of a table, by part (ChunkStore#diskUsage). */
export interface StoreDiskUsage {
  /** The latest version's rows, all columns (vectors, BM25 field, metadata; the chunk text too in an index of format ≤ 7). */
  rows: number;
  vectorIndex: number;
  ftsIndex: number;
  /** Version manifests, transactions and deletion files. */
  log: number;
  /** Rows and indices only older versions still use. */
  olderVersions: number;
  total: number;
}

/** What ChunkStore#candidates asks: each list that is given (vector, text, names), `depth` deep. */
export interface CandidateQuery {
  /** The vector list's query vector. */
  vector?: Float32Array;
  /** The BM25 list's query (the fts field's form: tokens.ts#queryText). */
  text?: string;
  /** The name list's words (tokens.ts#nameWords). */
  names?: string;
  /** With it, each BM25 and name hit carries its row's cosine distance to this vector. */
  near?: Float32Array;
  depth: number;
  /** The name list's depth (default `depth`). */
  nameDepth?: number;
  /** A predicate the rows must meet (filters.ts). */
  where?: string;
}

/** The candidate lists of a search, each best first. */
export interface CandidateLists {
  bm25: StoredHit[];
  vector: StoredHit[];
  named: StoredHit[];
}

/** A search candidate: a chunk without its text, which is read for the final top-k only (source.ts). */
export interface StoredHit extends Omit<Chunk, 'text'> {
  root: string;
  /** Cosine distance (vector search) or BM25 score (full-text search). */
  raw: number;
  /** Lance row id, valid for the table version the candidate came from. */
  rowId: bigint;
  /** The row's ChunkRow.textHash: identical code has the same one. */
  textHash: string;
  /** Its file's size in bytes (0 in an index of format < 5, which does not store it). */
  fileSize: number;
  /** Cosine distance of its vector to the query's, when the BM25 or name query was asked for it (CandidateQuery `near`). */
  distance?: number;
}

/** 1 − cosine similarity (1 when either vector is zero). */
export function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? 1 - dot / Math.sqrt(aa * bb) : 1;
}

// LanceDB's FTS builder cuts its index into partitions of this size (read from the environment
// by the native library when it builds; a user's own setting wins). Its default made the build
// over one compacted 215k-chunk fragment peak ~250 MB higher and run slower (10.7 → 6.5 s here)
// with no loss in search latency. But a query searches every partition: over the whole kernel
// (1.17M chunks) 64 gave 28 partitions and BM25 p50 24 ms, 128 gave 14 and 16 ms (build peak
// 792 MB alone), 256 gave 7 and 14 ms (922 MB): 128 above half a million rows.
const USER_FTS_PARTITION_SIZE = process.env.LANCE_FTS_PARTITION_SIZE;
const ftsPartitionSize = (rows: number): string => USER_FTS_PARTITION_SIZE ?? (rows > 500_000 ? '128' : '64');

const TABLE = 'chunks';
/** How long versions replaced by a compaction stay for readers of other processes (unless none is open: pruneOlderVersions). */
const PRUNE_GRACE_MS = 60_000;
/** Rows of a full fragment: Lance's compaction merges fragments below it (its target_rows_per_fragment). */
const COMPACTION_TARGET_ROWS = 1024 * 1024;
/** The columns a candidate of an index of format < 9 reads (format 5–8 add file_size); format 9 reads `hit`. */
const HIT_COLUMNS = ['root', 'path', 'language', 'symbol', 'kind', 'start_line', 'end_line', 'text_hash'];
/**
 * The BM25 index's tokenizer. The field is already cut into lower-case, stemmed words without stop
 * words (tokens.ts, once per distinct word), so the index only splits at spaces; in the index, the
 * stemmer cost ~9 s of a ~19 s build over 215k chunks.
 */
const FTS_INDEX = (): lancedb.Index =>
  lancedb.Index.fts({ withPosition: false, baseTokenizer: 'whitespace', lowercase: false, stem: false, removeStopWords: false, asciiFolding: false });
/** Below this many rows a flat vector scan is fast enough, and an index is not worth building. */
const VECTOR_INDEX_MIN_ROWS = 50_000;
/**
 * Lance file format of new tables. 2.1 compresses each value on its own (a row read by id stays
 * ~1 ms), where 2.0 with compression decompresses whole pages (~60 ms for ten rows read by id).
 */
const DATA_STORAGE_VERSION = '2.1';
/**
 * The BM25 field is zstd-compressed (as the chunk text was up to format 7: the two were 60% of the
 * rows' bytes, and zstd took them to ~40% of their size — 100k kernel rows 168 → 67 MB). Since
 * format 10 in blocks of values (Lance's mini-block layout) rather than value by value: nothing
 * reads the field by row once it is indexed, and over 200k kernel rows it took 300 → 232 bytes a
 * row (the whole kernel: 352 → 272 MB), its full scan (the BM25 index build) 2.9 → 1.4 s.
 */
const BM25_FIELD = new Map([
  ['lance-encoding:compression', 'zstd'],
  ['lance-encoding:structural-encoding', 'miniblock'],
]);
/**
 * Vectors are stored as float16 since format 10: half the disk (the kernel's 1.2 GB of vectors
 * → 0.6 GB), written as float32 and cast by LanceDB. Search takes its distances from the stored
 * vectors (IVF-RQ refined on them): over 100 kernel queries, recall@10 against an exact float32
 * scan 0.953 → 0.948, query p50 the same; the index build takes longer (31 → 46 s over the
 * kernel; LanceDB ≤ 0.37 took 25× as long over float16, hence 0.39).
 */
const VECTOR_ITEM = (): arrow.Float => new arrow.Float16();

/** The table's schema; `vectorItem`: the vector elements' type (a write gives float32: toArrow). */
function schemaFor(dim: number, vectorItem: arrow.Float = VECTOR_ITEM()): arrow.Schema {
  const utf8 = (name: string, metadata?: Map<string, string>) => new arrow.Field(name, new arrow.Utf8(), false, metadata);
  return new arrow.Schema([
    utf8('root'),
    utf8('path'),
    utf8('language'),
    new arrow.Field('start_line', new arrow.Int32(), false),
    new arrow.Field('end_line', new arrow.Int32(), false),
    utf8('fts', BM25_FIELD),
    utf8('names'),
    utf8('text_hash'),
    utf8('file_hash'),
    utf8('hit'),
    new arrow.Field('vector', new arrow.FixedSizeList(dim, new arrow.Field('item', vectorItem, true)), false),
  ]);
}

/** SQL string literal for LanceDB predicates. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export class ChunkStore {
  private ftsReady = false;
  /** The name field's BM25 index is built (index format ≥ 7 has the field). */
  private namesReady = false;
  /** The vector index: its IVF partitions and whether it is quantized (refined on the stored vectors). */
  private vector?: { partitions: number; quantized: boolean };
  private constructor(
    private readonly db: lancedb.Connection,
    /** The LanceDB directory. */
    private readonly dir: string,
    private table: lancedb.Table,
    readonly dim: number,
    /** The columns a search candidate reads: `hit` (format 9), else its fields' own (format < 5 has no file_size). */
    private readonly hitColumns: string[],
    /**
     * The table has the chunk text (an index of format ≤ 7): it serves results' code (texts())
     * until the index of the current format replaces it. Format 8 keeps no text (source.ts).
     */
    readonly holdsText: boolean,
  ) {}

  static async open(dir: string, dim: number): Promise<ChunkStore> {
    const db = await lancedb.connect(dir, { storageOptions: { new_table_data_storage_version: DATA_STORAGE_VERSION } });
    const names = await db.tableNames();
    const table = names.includes(TABLE) ? await db.openTable(TABLE) : await db.createEmptyTable(TABLE, schemaFor(dim), { existOk: true });
    const fields = new Set((await table.schema()).fields.map((f) => f.name));
    const hitColumns = fields.has('hit') ? ['hit'] : fields.has('file_size') ? [...HIT_COLUMNS, 'file_size'] : HIT_COLUMNS;
    const store = new ChunkStore(db, dir, table, dim, hitColumns, fields.has('text'));
    await store.readIndices();
    return store;
  }

  async count(filter?: string): Promise<number> {
    return this.table.countRows(filter);
  }

  async add(batch: ChunkBatch): Promise<void> {
    if (!batch.rows.length) return;
    await this.table.add(this.toArrow(batch));
  }

  /** Deletes every row of these files. */
  async deleteFiles(files: { root: string; path: string }[]): Promise<void> {
    const byRoot = new Map<string, string[]>();
    for (const f of files) (byRoot.get(f.root) ?? byRoot.set(f.root, []).get(f.root)!).push(f.path);
    for (const [root, paths] of byRoot) {
      // Chunked so that a predicate never grows unbounded for a mass deletion.
      for (let i = 0; i < paths.length; i += 500) {
        const list = paths.slice(i, i + 500).map(sqlString).join(',');
        await this.table.delete(`root = ${sqlString(root)} AND path IN (${list})`);
      }
    }
  }

  /** Vectors already computed for these chunk texts (the embedding cache), keyed by text hash. */
  async vectorsByTextHash(hashes: string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    for (let i = 0; i < hashes.length; i += 500) {
      const list = hashes.slice(i, i + 500).map(sqlString).join(',');
      const rows = await this.table.query().where(`text_hash IN (${list})`).select(['text_hash', 'vector']).toArrow();
      for (const batch of rows.batches) {
        const hashes = batch.getChild('text_hash')!.toArray() as string[];
        const vectors = vectorValues(batch.getChild('vector')?.data[0], this.dim);
        hashes.forEach((h, i) => found.set(h, vectors.slice(i * this.dim, (i + 1) * this.dim)));
      }
    }
    return found;
  }

  /** Files present in the table with their content hash and row count (to rebuild a damaged catalog). */
  async fileHashes(): Promise<{ root: string; path: string; hash: string; chunks: number }[]> {
    const files = new Map<string, { root: string; path: string; hash: string; chunks: number }>();
    const rows = await this.table.query().select(['root', 'path', 'file_hash']).toArray();
    for (const r of rows) {
      const key = `${r.root}\u0000${r.path}`;
      const f = files.get(key) ?? files.set(key, { root: r.root, path: r.path, hash: r.file_hash, chunks: 0 }).get(key)!;
      f.chunks++;
    }
    return [...files.values()];
  }

  /** Every row's place, name and text hash (benchmarks re-embed the same inputs, their texts read from the files). */
  async chunkSpans(): Promise<(ChunkSpan & { symbol: string })[]> {
    const hits = hitsOf(await this.table.query().withRowId().select(this.hitColumns).toArrow(), undefined);
    return hits.map((h) => ({ root: h.root, path: h.path, symbol: h.symbol, startLine: h.startLine, endLine: h.endLine, textHash: h.textHash }));
  }

  /** Identity of every row (tests and consistency checks). */
  async rowKeys(): Promise<{ root: string; path: string; startLine: number; endLine: number; textHash: string; fileHash: string }[]> {
    const rows = await this.table.query().select(['root', 'path', 'start_line', 'end_line', 'text_hash', 'file_hash']).toArray();
    return rows.map((r) => ({ root: r.root, path: r.path, startLine: Number(r.start_line), endLine: Number(r.end_line), textHash: r.text_hash, fileHash: r.file_hash }));
  }

  /** Builds the full-text index once the table has rows; later rows are searched unindexed until optimize(). */
  async ensureFtsIndex(): Promise<void> {
    const rows = this.ftsReady ? 0 : await this.table.countRows();
    if (this.ftsReady || rows === 0) return;
    process.env.LANCE_FTS_PARTITION_SIZE = ftsPartitionSize(rows);
    await this.table.createIndex('fts', { config: FTS_INDEX(), replace: true });
    this.ftsReady = true;
    if (await this.hasNames()) {
      await this.table.createIndex('names', { config: FTS_INDEX(), replace: true });
      this.namesReady = true;
    }
  }

  /** Whether the table has the name field (index format ≥ 7). */
  private async hasNames(): Promise<boolean> {
    return (await this.table.schema()).fields.some((f) => f.name === 'names');
  }

  /**
   * After a bulk write (a first index, a large re-run): compacts the fragments, then builds both
   * indices anew over all rows. Cheaper than optimize() then: in LanceDB 0.37 folding rows into
   * an FTS index rewrites the whole index anyway, and compacting with indices present remaps them
   * too. With the indices dropped first, compaction only rewrites data (215k chunks: ~5 s), and
   * the builds follow (~8 s FTS, ~1.5 s IVF) — against ~23 s for optimize(). Searches meanwhile
   * get vector results only, as before the first index exists.
   * Compaction matters for search: 48 fragments of ~4k rows made hybrid search ~1.6× slower.
   */
  async reindex(opts: { pruneAtOnce?: () => boolean } = {}): Promise<void> {
    if ((await this.table.countRows()) === 0) return;
    for (const index of await this.table.listIndices()) await this.table.dropIndex(index.name);
    this.ftsReady = false;
    this.namesReady = false;
    this.vector = undefined;
    // Old versions are kept for a minute so that a search running in another process finishes.
    await this.table.optimize({ cleanupOlderThan: new Date(Date.now() - PRUNE_GRACE_MS) });
    this.readsOfOlderVersions = [...this.reads];
    await this.ensureFtsIndex();
    // The versions from before the compaction (the small fragments, the dropped indices) stay for
    // that minute too, until the next fold prunes them: a reader in another process (the CLI, the
    // MCP server, another window) may be serving one of them — the chaos test's searches failed
    // with "Not found" on a pruned data file. With no such reader (`pruneAtOnce`) they go now,
    // before the vector index is built: pruning is an optimize(), which needs no work then.
    if (opts.pruneAtOnce?.()) await this.pruneOlderVersions({ unverified: true });
    await this.ensureVectorIndex();
  }

  /**
   * Removes the versions before the latest now, rather than after their minute: for a writer that
   * knows no reader of another process is open (readers.ts). This process's own searches that
   * began on one of them (before the last compaction) are waited for. Over the whole kernel the
   * versions a bulk run or a fold leaves are ~430 MB (a fold writes the BM25 index anew).
   *
   * Pruning is an optimize() (LanceDB's Node API has no cleanup alone), so it is skipped — false —
   * when that would compact again: two fragments below Lance's target size are merged, which
   * rewrites every row of the smaller table sizes (215k rows: ~10 s). With no new rows and nothing
   * to compact it costs ~0.05 s (LanceDB 0.39 leaves the indices as they are).
   *
   * `unverified`: also files no version refers to, which LanceDB otherwise keeps a week in case a
   * writer is about to commit them (a killed run's, say) — only for a writer with nothing else
   * writing meanwhile, not beside a fold or an add.
   */
  async pruneOlderVersions(opts: { unverified: boolean }): Promise<boolean> {
    const { numRows, fragmentStats } = await this.table.stats();
    // No fragment holds more than the target, so all but the smallest are full exactly when their
    // rows add up to that many: then at most one is below it, and compaction has nothing to merge.
    if (numRows - fragmentStats.lengths.min < (fragmentStats.numFragments - 1) * COMPACTION_TARGET_ROWS) return false;
    await Promise.allSettled(this.readsOfOlderVersions);
    this.readsOfOlderVersions = [];
    await this.table.optimize({ cleanupOlderThan: new Date(), deleteUnverified: opts.unverified });
    return true;
  }

  /** Searches of this process running now (candidates, texts, chunksIn): pruneOlderVersions waits for those that began before a compaction. */
  private readonly reads = new Set<Promise<unknown>>();
  private readsOfOlderVersions: Promise<unknown>[] = [];

  private reading<T>(read: Promise<T>): Promise<T> {
    this.reads.add(read);
    const done = () => this.reads.delete(read);
    read.then(done, done);
    return read;
  }

  private async readIndices(): Promise<void> {
    const indices = await this.table.listIndices();
    this.ftsReady = indices.some((i) => i.columns.includes('fts'));
    this.namesReady = indices.some((i) => i.columns.includes('names'));
    // The kind and partition count are kept in the index name (vector_rq<N>, vector_ivf<N> for
    // IVF-Flat of format < 6): nprobes and refinement depend on them.
    const index = indices.find((i) => i.columns.includes('vector'));
    const m = index && /_(rq|ivf)(\d+)/.exec(index.name);
    this.vector = index ? { partitions: Number(m?.[2] ?? 1), quantized: m?.[1] === 'rq' } : undefined;
  }

  /**
   * An IVF-RQ index once the table is large (RaBitQ: one bit per dimension, 32 bytes a row for
   * 256 dimensions), its candidates re-ranked on their stored vectors (refineFactor), so distances
   * are exact cosine. IVF-Flat held a second full copy of the vectors (1.2 GB over the whole
   * kernel) and scanned 3/8 of them per query. Rows added later are scanned flat until the next
   * optimize() folds them in.
   */
  private async ensureVectorIndex(): Promise<void> {
    if (this.vector) return;
    const rows = await this.table.countRows();
    if (rows < VECTOR_INDEX_MIN_ROWS) return;
    const partitions = vectorPartitions(rows);
    await this.table.createIndex('vector', { config: lancedb.Index.ivfRq({ numPartitions: partitions, distanceType: 'cosine' }), name: `vector_rq${partitions}`, replace: true });
    this.vector = { partitions, quantized: true };
  }

  /**
   * What the table costs on disk: its rows (all columns; Lance keeps no per-column sizes), each
   * index, the version log, and files only older versions still use (dropped once their minute
   * of grace is over, at the next fold — or at once by a writer with no reader open).
   */
  async diskUsage(): Promise<StoreDiskUsage> {
    const dir = path.join(this.dir, `${TABLE}.lance`);
    const usage: StoreDiskUsage = { rows: 0, vectorIndex: 0, ftsIndex: 0, log: 0, olderVersions: 0, total: 0 };
    const indices = new Map((await this.table.listIndices()).map((i) => [i.indexUuid, i.columns]));
    let indexBytes = 0;
    for (const e of readdirOrEmpty(dir)) {
      const p = path.join(dir, e.name);
      if (e.name === 'data') usage.rows += bytesUnder(p);
      else if (e.name === '_indices') {
        for (const ix of readdirOrEmpty(p)) {
          const bytes = bytesUnder(path.join(p, ix.name));
          indexBytes += bytes;
          const columns = indices.get(ix.name);
          if (columns?.includes('vector')) usage.vectorIndex += bytes;
          else if (columns?.includes('fts') || columns?.includes('names')) usage.ftsIndex += bytes;
          else usage.olderVersions += bytes;
        }
      } else usage.log += bytesUnder(p);
    }
    usage.total = usage.rows + indexBytes + usage.log;
    // The manifest's own count covers the latest version's data and index files only.
    const current = (await this.table.stats()).totalBytes;
    const olderRows = Math.max(0, usage.rows + usage.vectorIndex + usage.ftsIndex - current);
    usage.rows -= olderRows;
    usage.olderVersions += olderRows;
    return usage;
  }

  /** Data fragments of the table: one per write until compacted (optimize, reindex). */
  async fragments(): Promise<number> {
    return (await this.table.stats()).fragmentStats.numFragments;
  }

  /**
   * Folds new rows into the indices and compacts small fragments left by incremental writes. The
   * versions this replaces stay a minute for readers in other processes, unless `pruneAtOnce`
   * says none is open (pruneOlderVersions, with `unverified` as there).
   */
  async optimize(opts: { pruneAtOnce?: () => boolean; unverified?: boolean } = {}): Promise<void> {
    await this.ensureFtsIndex();
    await this.ensureVectorIndex();
    await this.table.optimize({ cleanupOlderThan: new Date(Date.now() - PRUNE_GRACE_MS) });
    this.readsOfOlderVersions = [...this.reads];
    if (opts.pruneAtOnce?.()) await this.pruneOlderVersions({ unverified: !!opts.unverified });
  }

  /**
   * A search's candidate lists, asked concurrently: the vector list (`vector`), the BM25 list
   * (`text`) and the name list (`names`: the name field's BM25 index, for candidates named like
   * the query whose bodies neither other list ranks). With `near`, each BM25 and name hit carries
   * its row's cosine distance to it (`distance`), read with the row: the vector list's score for
   * a candidate outside its own top k.
   *
   * Each query reads its candidates' columns itself. Asking for row ids only and reading the
   * ~120 distinct candidates by id afterwards, once for all lists, measured slower (215k rows:
   * p50 16.3 against 14.6 ms): the read by id costs ~6 ms. What a candidate's columns cost is their
   * number, not their bytes: hence the one `hit` column (format 9, hitRecord).
   */
  candidates(ask: CandidateQuery): Promise<CandidateLists> {
    return this.reading(this.candidateLists(ask));
  }

  private async candidateLists(ask: CandidateQuery): Promise<CandidateLists> {
    const columns = (score: string, near: boolean) => [...this.hitColumns, score, ...(near ? ['vector'] : [])];
    const fullText = async (field: 'fts' | 'names', query: string, limit: number): Promise<StoredHit[]> => {
      if (!(await this.hasFullText(field))) return [];
      let q = this.table.query().fullTextSearch(query, { columns: field }).withRowId().select(columns('_score', !!ask.near)).limit(limit);
      if (ask.where) q = q.where(ask.where);
      return hitsOf(await q.toArrow(), '_score', ask.near);
    };
    const vectors = async (vector: Float32Array): Promise<StoredHit[]> => {
      let q = this.table.vectorSearch(vector).distanceType('cosine').withRowId().select(columns('_distance', false)).limit(ask.depth);
      if (ask.where) q = q.where(ask.where);
      if (this.vector && this.vector.partitions > 1) q = q.nprobes(vectorProbes(this.vector.partitions, this.vector.quantized));
      if (this.vector?.quantized) q = q.refineFactor(VECTOR_REFINE);
      return hitsOf(await q.toArrow(), '_distance');
    };
    const [bm25, vector, named] = await Promise.all([
      ask.text ? fullText('fts', ask.text, ask.depth) : [],
      ask.vector ? vectors(ask.vector) : [],
      ask.names ? fullText('names', ask.names, ask.nameDepth ?? ask.depth) : [],
    ]);
    return { bm25, vector, named };
  }

  /** Whether the BM25 index of this field is built (looked up again until it is). */
  private async hasFullText(column: 'fts' | 'names'): Promise<boolean> {
    if (column === 'fts' ? this.ftsReady : this.namesReady) return true;
    const ready = (await this.table.listIndices()).some((i) => i.columns.includes(column));
    if (column === 'fts') this.ftsReady = ready;
    else this.namesReady = ready;
    return ready;
  }

  /**
   * The code of these chunks as this table holds it — an index of format ≤ 7 only (holdsText),
   * served until the index of the current format, which reads code from the files (source.ts),
   * replaces it. Row ids are fetched by id (1–2 ms for ten); a row that moved since the candidate
   * query (a compaction in between) is looked up by its path and line instead, and one that is
   * gone (its file indexed again since) is `changed`.
   */
  texts(spans: readonly ChunkSpan[]): Promise<ChunkText[]> {
    return this.reading(this.storedTexts(spans));
  }

  private async storedTexts(spans: readonly ChunkSpan[]): Promise<ChunkText[]> {
    if (!this.holdsText) throw new Error('semindex: this index keeps no chunk text; read it from the files (source.ts)');
    const byId = new Map<bigint, { path: string; start_line: number; text: string }>();
    const ids = spans.flatMap((s) => (s.rowId === undefined ? [] : [s.rowId]));
    if (ids.length) {
      const rows = await this.table.takeRowIds(ids).withRowId().select(['path', 'start_line', 'text']).toArray();
      for (const r of rows) byId.set(BigInt(r._rowid), r);
    }
    const out: ChunkText[] = [];
    for (const s of spans) {
      const r = s.rowId === undefined ? undefined : byId.get(s.rowId);
      if (r && r.path === s.path && Number(r.start_line) === s.startLine) {
        out.push({ text: r.text });
        continue;
      }
      const found = await this.table
        .query()
        .where(`root = ${sqlString(s.root)} AND path = ${sqlString(s.path)} AND start_line = ${Math.trunc(s.startLine)}`)
        .select(['text'])
        .limit(1)
        .toArray();
      out.push(found[0] ? { text: found[0].text } : { stale: 'changed' });
    }
    return out;
  }

  /**
   * The rows of one file that overlap lines [startLine, endLine] (find similar: the code a caller
   * points at, as the index holds it; its text is read with a ChunkTexts). `root` "" for a
   * single-root index.
   */
  async chunksIn(root: string, path: string, startLine: number, endLine: number): Promise<IndexedChunk[]> {
    const rows = await this.reading(this.table
      .query()
      .where(`root = ${sqlString(root)} AND path = ${sqlString(path)} AND start_line <= ${Math.trunc(endLine)} AND end_line >= ${Math.trunc(startLine)}`)
      .withRowId()
      .select(this.hitColumns)
      .toArrow());
    return hitsOf(rows, undefined)
      .map((h) => ({ root: h.root, path: h.path, language: h.language, symbol: h.symbol, kind: h.kind, startLine: h.startLine, endLine: h.endLine, textHash: h.textHash, rowId: h.rowId }))
      .sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
  }

  /** Whether any row belongs to this file (telling `root/path` from a path of the single root). */
  async hasFile(root: string, path: string): Promise<boolean> {
    return (await this.table.countRows(`root = ${sqlString(root)} AND path = ${sqlString(path)}`)) > 0;
  }

  /** Reloads the table's latest version (another process may have written). */
  async refresh(): Promise<void> {
    await this.table.checkoutLatest();
  }

  /**
   * refresh() for a long-lived reader: without it a reader keeps serving the version it opened
   * (LanceDB looks for newer versions only when asked). The indices are read again too: a
   * writer's fold may have built or rebuilt them (the vector index's partitions set nprobes).
   */
  async followLatest(): Promise<void> {
    await this.table.checkoutLatest();
    await this.readIndices();
  }

  close(): void {
    this.table.close();
    this.db.close();
  }

  private toArrow(batch: ChunkBatch): arrow.Table {
    const { rows, vectors } = batch;
    if (vectors.length !== rows.length * this.dim) {
      throw new Error(`semindex: ${rows.length} rows but ${vectors.length / this.dim} vectors of dim ${this.dim}`);
    }
    // The vectors go as float32 whatever the table holds: LanceDB casts them to its type (float16
    // since format 10; an older table keeps float32).
    const schema = schemaFor(this.dim, new arrow.Float32());
    const str = (pick: (r: ChunkRow) => string) => arrow.vectorFromArray(rows.map(pick), new arrow.Utf8());
    const int = (pick: (r: ChunkRow) => number) => arrow.makeVector(Int32Array.from(rows, pick));
    const listType = schema.fields[schema.fields.length - 1].type as arrow.FixedSizeList<arrow.Float32>;
    const values = arrow.makeData({ type: new arrow.Float32(), length: vectors.length, data: vectors });
    const vectorData = arrow.makeData({ type: listType, length: rows.length, nullCount: 0, child: values });
    const columns = {
      root: str((r) => r.root),
      path: str((r) => r.path),
      language: str((r) => r.language),
      start_line: int((r) => r.startLine),
      end_line: int((r) => r.endLine),
      fts: str((r) => r.fts),
      names: str((r) => r.names),
      text_hash: str((r) => r.textHash),
      file_hash: str((r) => r.fileHash),
      hit: str(hitRecord),
      vector: arrow.makeVector(vectorData),
    };
    const data = arrow.makeData({
      type: new arrow.Struct(schema.fields),
      length: rows.length,
      nullCount: 0,
      children: schema.fields.map((f) => (columns as Record<string, arrow.Vector>)[f.name].data[0]),
    });
    return new arrow.Table(schema, [new arrow.RecordBatch(schema, data)]);
  }
}

function readdirOrEmpty(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function bytesUnder(p: string): number {
  let total = 0;
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  for (const e of readdirOrEmpty(p)) total += bytesUnder(path.join(p, e.name));
  return total;
}

/** IVF partitions for a table of this many rows. */
export function vectorPartitions(rows: number): number {
  return Math.min(1024, Math.max(32, Math.round(Math.sqrt(rows))));
}

/**
 * Partitions a query probes. IVF-RQ over the whole kernel (1.17M rows, 1024 partitions), recall@10
 * against an exact scan over 100 natural-language queries: 64 probes 0.86, 128 0.92, 256 0.97, at
 * vector-search p50 ~17 ms for 256 (IVF-Flat, 96 of 256 partitions: 81 ms in the same hour).
 */
export function vectorProbes(partitions: number, quantized: boolean): number {
  return quantized ? Math.ceil(partitions / 4) : Math.ceil((partitions * 3) / 8);
}

/** Candidates of the quantized index re-ranked on their stored vectors: refineFactor × limit (10 found no more than 4). */
const VECTOR_REFINE = 4;

/**
 * A candidate query's hits, read column by column from its Arrow result. As row objects
 * (toArray()) every field went through Arrow's struct-row proxy and every vector element by
 * element: ~4 ms of a 19 ms hybrid search over 215k rows. `raw`: the score column; with `near`,
 * each hit's cosine distance to it (the result must have the vector column).
 */
function hitsOf(table: arrow.Table, raw: string | undefined, near?: Float32Array): StoredHit[] {
  const hits: StoredHit[] = [];
  for (const batch of table.batches) {
    const column = (name: string) => batch.getChild(name)?.toArray() as ArrayLike<unknown> | undefined;
    const rowId = column('_rowid') as ArrayLike<number | bigint>;
    const score = raw === undefined ? undefined : (column(raw) as ArrayLike<number>);
    const vectors = near ? vectorValues(batch.getChild('vector')?.data[0], near.length) : undefined;
    const fields = hitFields(batch, column);
    for (let i = 0; i < batch.numRows; i++) {
      const hit: StoredHit = { ...fields(i), raw: score ? Number(score[i]) : 0, rowId: BigInt(rowId[i]) };
      if (vectors) hit.distance = cosineDistance(near!, vectors.subarray(i * near!.length, (i + 1) * near!.length));
      hits.push(hit);
    }
  }
  return hits;
}

type HitFields = Omit<StoredHit, 'raw' | 'rowId' | 'distance'>;

/**
 * What a search candidate reads of its row, in one column (format 9): a JSON array of its root,
 * path, language, symbol, kind, lines, text hash and file size. The fields keep their own
 * columns too where predicates use them (root, path, language, lines, text hash).
 */
export function hitRecord(r: ChunkRow): string {
  return JSON.stringify([r.root, r.path, r.language, r.symbol, r.kind, r.startLine, r.endLine, r.textHash, Math.min(r.fileSize, 0x7fffffff)]);
}

/** Row i's candidate fields of a batch: from its `hit` column (format 9) or from their own columns. */
function hitFields(batch: arrow.RecordBatch, column: (name: string) => ArrayLike<unknown> | undefined): (i: number) => HitFields {
  const record = column('hit') as ArrayLike<string> | undefined;
  if (record) {
    return (i) => {
      const [root, path, language, symbol, kind, startLine, endLine, textHash, fileSize] = JSON.parse(record[i]) as [string, string, string, string, ChunkKind, number, number, string, number];
      return { root, path, language, symbol, kind, startLine, endLine, textHash, fileSize };
    };
  }
  const [root, path, language, symbol, kind, textHash] = ['root', 'path', 'language', 'symbol', 'kind', 'text_hash'].map((n) => column(n) as ArrayLike<string>);
  const [startLine, endLine] = ['start_line', 'end_line'].map((n) => column(n) as ArrayLike<number>);
  const fileSize = column('file_size') as ArrayLike<number> | undefined;
  return (i) => ({
    root: root[i],
    path: path[i],
    language: language[i],
    symbol: symbol[i],
    kind: kind[i] as ChunkKind,
    startLine: Number(startLine[i]),
    endLine: Number(endLine[i]),
    textHash: textHash[i],
    fileSize: Number(fileSize?.[i] ?? 0),
  });
}

/** The values of a batch's vector column, end to end (rows × dim), as float32 (format ≥ 10 stores float16). */
function vectorValues(data: arrow.Data | undefined, dim: number): Float32Array {
  const child = data?.children[0];
  const values = child?.values as Float32Array | Uint16Array | undefined;
  if (!data || !values || data.offset !== 0 || child!.offset !== 0 || values.length < data.length * dim) throw new Error('semindex: unexpected layout of the vector column in a query result');
  if (values instanceof Float32Array) return values;
  // By type id, not instanceof: the result's classes may be another copy of Arrow's (LanceDB's).
  if (!(arrow.DataType.isFloat(child!.type) && child!.type.precision === arrow.Precision.HALF)) throw new Error(`semindex: unexpected vector type ${child!.type} in a query result`);
  const half = halfFloats();
  const out = new Float32Array(data.length * dim);
  for (let i = 0; i < out.length; i++) out[i] = half[values[i]];
  return out;
}

let halfTable: Float32Array | undefined;
/** Every float16 bit pattern's value (decoding by lookup: Arrow's uint16ToFloat64 per element costs a Math.pow). */
function halfFloats(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = arrow.util.uint16ToFloat64(h);
  }
  return halfTable;
}
