import * as assert from 'node:assert/strict';
import { ChunkStore, type ChunkRow, cosineDistance } from '../../src/indexer/store';
import { tempDir } from './helpers';

/** n rows over 40 files, each vector a noisy copy of one of 16 directions (deterministic). */
function rows(n: number, dim: number): { rows: ChunkRow[]; vectors: Float32Array } {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  const centers = Array.from({ length: 16 }, () => Float32Array.from({ length: dim }, rand));
  const vectors = new Float32Array(n * dim);
  const out: ChunkRow[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) vectors[i * dim + j] = centers[i % 16][j] + rand() * 0.5;
    const file = `f${i % 40}.c`;
    out.push({ root: '', path: file, language: 'c', symbol: `fn${i}`, kind: 'function', startLine: i + 1, endLine: i + 1, fts: `fn${i} return`, names: `fn${i}`, textHash: `h${i}`, fileHash: file, fileSize: 100 });
  }
  return { rows: out, vectors };
}

describe('store: the chunks table at scale', function () {
  this.timeout(120_000);

  it('a bulk reindex builds a quantized vector index whose distances are exact cosine, and keeps older versions for readers until told to prune them', async () => {
    const dir = tempDir('store');
    const dim = 32;
    const store = await ChunkStore.open(dir, dim);
    try {
      const all = rows(60_000, dim);
      // Written in batches, as the indexer does: many fragments to compact.
      for (let i = 0; i < all.rows.length; i += 5000) await store.add({ rows: all.rows.slice(i, i + 5000), vectors: all.vectors.subarray(i * dim, (i + 5000) * dim) });
      await store.reindex();
      const disk = await store.diskUsage();
      const stayed = await store.fragments();
      // The versions from before the compaction are kept for readers in other processes (a minute,
      // until the next fold: store.ts#reindex); they are counted apart from the latest version's rows.
      assert.ok(disk.olderVersions > 0, `older versions counted: ${JSON.stringify(disk)}`);
      assert.ok(disk.vectorIndex > 0 && disk.ftsIndex > 0 && disk.rows > 0);
      // IVF-RQ holds a bit per dimension, not a second copy of the vectors.
      assert.ok(disk.vectorIndex < 60_000 * dim * 4 * 0.5, `vector index ${disk.vectorIndex} bytes`);
      // A writer that knows no reader is open has them pruned at once (readers.ts).
      await store.add({ rows: all.rows.slice(0, 10), vectors: all.vectors.subarray(0, 10 * dim) });
      // Pruning is an optimize(): with two fragments below Lance's target size it would merge them
      // (every row rewritten), so it is skipped.
      assert.equal(await store.pruneOlderVersions({ unverified: false }), false);
      assert.equal(await store.fragments(), 2, 'nothing compacted');
      await store.reindex({ pruneAtOnce: () => true });
      const pruned = await store.diskUsage();
      assert.equal(pruned.olderVersions, 0, JSON.stringify(pruned));
      assert.equal(stayed, 1, 'compacted into one fragment');
      assert.ok(pruned.rows > 0.9 * disk.rows && pruned.vectorIndex > 0 && pruned.ftsIndex > 0, JSON.stringify({ pruned, disk }));
      assert.equal(await store.count(), 60_010);
      const query = all.vectors.slice(123 * dim, 124 * dim);
      const { vector: hits } = await store.candidates({ vector: query, depth: 10 });
      assert.equal(hits.length, 10);
      assert.ok(hits.some((h) => h.symbol === 'fn123'), 'the row itself is found');
      // Exact up to the stored vectors' float16 rounding (format 10): ~5e-4 of each element.
      for (const h of hits) {
        const exact = cosineDistance(query, all.vectors.subarray(Number(h.symbol.slice(2)) * dim, (Number(h.symbol.slice(2)) + 1) * dim));
        assert.ok(Math.abs(h.raw - exact) < 2e-3, `${h.symbol}: ${h.raw} against ${exact}`);
      }
      const { named: byName } = await store.candidates({ names: 'fn4567', depth: 5 });
      assert.equal(byName[0]?.symbol, 'fn4567', 'the name field has its own BM25 index');
      const { bm25 } = await store.candidates({ text: 'fn4567', depth: 5 });
      assert.equal(bm25[0]?.symbol, 'fn4567');
      assert.equal(bm25[0].distance, undefined, 'no distances unless asked');
      const { bm25: near } = await store.candidates({ text: 'fn4567', near: query, depth: 5 });
      const own = cosineDistance(query, all.vectors.subarray(4567 * dim, 4568 * dim));
      assert.ok(own > 0.01 && Math.abs(near[0].distance! - own) < 2e-3, `the row's own cosine distance, read with the BM25 query: ${near[0].distance} against ${own}`);
      // The stored vectors are float16 (format 10), read back as float32 rounded to float16.
      const stored = (await store.vectorsByTextHash(['h4567'])).get('h4567')!;
      const original = all.vectors.subarray(4567 * dim, 4568 * dim);
      assert.equal(stored.length, dim);
      assert.notDeepEqual(Array.from(stored), Array.from(original), 'rounded');
      for (let j = 0; j < dim; j++) assert.ok(Math.abs(stored[j] - original[j]) <= Math.abs(original[j]) / 1024 + 1e-7, `element ${j}: ${stored[j]} against ${original[j]}`);
      assert.equal(bm25[0].textHash, 'h4567');
      // Format 9: a candidate's fields come from its one `hit` column, in every read of them.
      assert.deepEqual(
        { ...bm25[0], raw: 0, rowId: 0n },
        { root: '', path: 'f7.c', language: 'c', symbol: 'fn4567', kind: 'function', startLine: 4568, endLine: 4568, textHash: 'h4567', fileSize: 100, raw: 0, rowId: 0n },
      );
      const inFile = await store.chunksIn('', 'f7.c', 4568, 4568);
      assert.deepEqual(inFile.map((c) => [c.symbol, c.kind, c.startLine, c.rowId]), [['fn4567', 'function', 4568, bm25[0].rowId]]);
      // Format 7 keeps no chunk text: the code is read from the files (source.ts).
      assert.equal(store.holdsText, false);
    } finally {
      store.close();
    }
  });
});
