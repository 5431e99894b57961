// Reliability under concurrency and faults (issue 12): saves racing a full run, workers dying,
// cancellation, failed writes. Faults are injected at the seams the engine really sees them at —
// Piscina's run() rejecting as it does when a worker dies, a store call failing — so each test is
// deterministic.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Piscina } from 'piscina';
import { Indexer, type IndexerOptions } from '../../src/indexer/indexer';
import type { BatchTask } from '../../src/indexer/worker';
import { snapshot, tempDir, writeTree } from './helpers';

const staticEmbedder = { kind: 'static' as const };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function open(root: string, storeDir: string, opts: Partial<IndexerOptions> = {}): Promise<Indexer> {
  return Indexer.open({ storeDir, roots: [{ name: '', path: root }], embedder: staticEmbedder, workers: 1, ...opts });
}

async function withIndexer<T>(root: string, storeDir: string, fn: (ix: Indexer) => Promise<T>, opts: Partial<IndexerOptions> = {}): Promise<T> {
  const ix = await open(root, storeDir, opts);
  try {
    return await fn(ix);
  } finally {
    await ix.close();
  }
}

/** Replaces Piscina#run for the test's length (the pool is outside the bundle: one shared class). */
function patchRun(wrap: (run: (task: BatchTask) => Promise<unknown>, task: BatchTask) => Promise<unknown>): () => void {
  const original = Piscina.prototype.run;
  Piscina.prototype.run = function (this: Piscina, task: BatchTask, options?: object) {
    return wrap((t) => original.call(this, t, options), task);
  } as typeof original;
  return () => {
    Piscina.prototype.run = original;
  };
}

const smallFiles = (n: number, tag: string): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}.js`, `function ${tag}_${i}(value) {\n  return value + ${i};\n}\n`]));

interface StorePeek {
  store: { deleteFiles(files: { root: string; path: string }[]): Promise<void>; add(batch: unknown): Promise<void> };
}

describe('reliability under concurrency and faults', function () {
  this.timeout(180_000);

  it('a save during a full run keeps the run waiting for its own files (issue 12, item 2)', async () => {
    const ws = tempDir('ws');
    writeTree(ws, { ...smallFiles(60, 'before'), 'gone.js': 'function gone() {}\n' });
    const storeDir = tempDir('store');
    await withIndexer(ws, storeDir, (ix) => ix.index());
    // The re-run has 60 changed files to index and one deleted file to drop; a save lands meanwhile.
    fs.rmSync(path.join(ws, 'gone.js'));
    writeTree(ws, smallFiles(60, 'after'));
    const saved = path.join(ws, 'saved.js');
    fs.writeFileSync(saved, 'function savedDuringScan() {\n  return 1;\n}\n');
    // The interleaving that lost the run's queue: the save's batch is written and its dispatch loop
    // is at its last flush when the run hands over its queue. The run's deletion of gone.js is held
    // until the save's batch is back, and the save's batch until that deletion is under way.
    let deleting!: () => void;
    const deletionStarted = new Promise<void>((r) => (deleting = r));
    let savedBack!: () => void;
    const savedBatchBack = new Promise<void>((r) => (savedBack = r));
    const restore = patchRun(async (run, task) => {
      const result = await run(task);
      if (task.files.some((f) => f.path === 'saved.js')) {
        await deletionStarted;
        savedBack();
      }
      return result;
    });
    let update: Promise<unknown> | undefined;
    try {
      const summary = await withIndexer(ws, storeDir, async (ix) => {
        const store = (ix as unknown as StorePeek).store;
        const deleteFiles = store.deleteFiles.bind(store);
        store.deleteFiles = async (files) => {
          if (files.some((f) => f.path === 'gone.js')) {
            deleting();
            await savedBatchBack;
            await sleep(100); // the save's batch is accepted and its loop reaches its final flush
          }
          return deleteFiles(files);
        };
        ix.on('progress', (p) => {
          if (p.phase === 'scanning' && !update) update = ix.update([saved]);
        });
        const run = await ix.index();
        await update;
        return run;
      });
      assert.ok(summary.indexed >= 60, `the run indexed ${summary.indexed} files`);
    } finally {
      restore();
    }
    const clean = tempDir('store');
    await withIndexer(ws, clean, (ix) => ix.index());
    assert.deepEqual(await snapshot(storeDir), await snapshot(clean));
  });
});
