// Reliability under concurrency and faults (issue 12): saves racing a full run, workers dying,
// cancellation, failed writes. Faults are injected at the seams the engine really sees them at —
// Piscina's run() rejecting as it does when a worker dies, a store call failing — so each test is
// deterministic.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Piscina } from 'piscina';
import { SemindexError } from '../../src/indexer/errors';
import { Indexer, type IndexerOptions } from '../../src/indexer/indexer';
import { StoreLayout } from '../../src/indexer/layout';
import { StoreLock } from '../../src/indexer/lock';
import { type BatchTask, embedOnly } from '../../src/indexer/worker';
import { repoRoot, snapshot, tempDir, writeTree } from './helpers';

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
function patchRun(wrap: (run: (task: BatchTask) => Promise<unknown>, task: BatchTask, pool: Piscina) => Promise<unknown>): () => void {
  const original = Piscina.prototype.run;
  Piscina.prototype.run = function (this: Piscina, task: BatchTask, options?: object) {
    return wrap((t) => original.call(this, t, options), task, this);
  } as typeof original;
  return () => {
    Piscina.prototype.run = original;
  };
}

const smallFiles = (n: number, tag: string): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}.js`, `function ${tag}_${i}(value) {\n  return value + ${i};\n}\n`]));

interface StorePeek {
  store: { deleteFiles(files: { root: string; path: string }[]): Promise<void>; add(batch: unknown): Promise<void>; optimize(): Promise<void> };
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

  it('a file whose run batch and save batch come back before one write is written once, not twice (found by the chaos test)', async () => {
    const ws = tempDir('ws');
    writeTree(ws, { ...smallFiles(3, 'other'), 'f.js': 'function savedTwice(value) {\n  return value + 1;\n}\n' });
    const storeDir = tempDir('store');
    const target = path.join(ws, 'f.js');
    // The run's batch with f.js is held until the save's batch for f.js is computed too; then the
    // run's is recorded (a background batch: not written yet), and the save's right after it, so
    // both outcomes reach the writer in one write.
    let runBatchStarted!: () => void;
    const started = new Promise<void>((r) => (runBatchStarted = r));
    let saveComputed!: () => void;
    const saveReady = new Promise<void>((r) => (saveComputed = r));
    let seen = 0;
    const restore = patchRun(async (run, task) => {
      if (!task.files.some((f) => f.path === 'f.js')) return run(task);
      const first = seen++ === 0;
      if (first) runBatchStarted();
      const result = await run(task);
      if (first) await saveReady;
      else {
        saveComputed();
        await sleep(100);
      }
      return result;
    });
    try {
      await withIndexer(ws, storeDir, async (ix) => {
        const run = ix.index();
        await started;
        await Promise.all([run, ix.update([target])]);
      });
    } finally {
      restore();
    }
    assert.equal(seen, 2, 'the run and the save each had a batch with f.js');
    const clean = tempDir('store');
    await withIndexer(ws, clean, (ix) => ix.index());
    assert.deepEqual(await snapshot(storeDir), await snapshot(clean));
  });

  it('close() waits for a stats read of the store under way before it closes the table', async () => {
    const ws = tempDir('ws');
    writeTree(ws, smallFiles(3, 'stats'));
    const storeDir = tempDir('store');
    const ix = await open(ws, storeDir);
    await ix.index();
    const store = (ix as unknown as { store: { count(): Promise<number>; close(): void } }).store;
    const count = store.count.bind(store);
    const closeTable = store.close.bind(store);
    let counting = false;
    let closedMidRead = false;
    store.count = async () => {
      counting = true;
      await sleep(300);
      const n = await count();
      counting = false;
      return n;
    };
    store.close = () => {
      closedMidRead ||= counting;
      closeTable();
    };
    const stats = ix.stats(); // the extension's stats timer, as a window closes
    await ix.close();
    assert.equal(closedMidRead, false, 'the table was closed under a read');
    assert.equal((await stats).chunks, 3);
    await assert.rejects(ix.stats(), (err: unknown) => SemindexError.is(err, 'CLOSED'));
  });

    it('a worker dying on one file fails that file alone, after a second try on its own (issue 12, item 3)', async () => {
    const ws = tempDir('ws');
    writeTree(ws, { ...smallFiles(40, 'good'), 'poison.js': 'function poison() {}\n' });
    // What Piscina's run() gives when the thread holding the task dies of its heap limit.
    const restore = patchRun(async (run, task) => {
      if (task.files.some((f) => f.path === 'poison.js')) {
        throw Object.assign(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'), { code: 'ERR_WORKER_OUT_OF_MEMORY' });
      }
      return run(task);
    });
    const storeDir = tempDir('store');
    try {
      await withIndexer(ws, storeDir, async (ix) => {
        const run = await ix.index();
        assert.equal(run.failed, 1, `failed: ${run.failed}`);
        assert.equal(run.indexed, 40);
        const problems = ix.problems();
        assert.deepEqual(problems.map((p) => p.path), ['poison.js']);
        assert.match(problems[0].reason, /worker crashed twice on this file.*memory limit/);
      });
    } finally {
      restore();
    }
  });

  it('a file the worker skipped is counted skipped again on the next run, not unchanged (issue 12, item 3)', async () => {
    const ws = tempDir('ws');
    writeTree(ws, { 'ok.js': 'function ok() {\n  return 1;\n}\n', 'minified.js': 'var a=1;'.repeat(2000) });
    const storeDir = tempDir('store');
    const cold = await withIndexer(ws, storeDir, (ix) => ix.index());
    assert.deepEqual([cold.indexed, cold.skipped, cold.unchanged], [1, 1, 0]);
    const warm = await withIndexer(ws, storeDir, (ix) => ix.index());
    assert.deepEqual([warm.indexed, warm.skipped, warm.unchanged], [0, 1, 1]);
    // Touched, same content: the worker re-reads it and finds it unchanged — still a skipped file.
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(ws, 'minified.js'), later, later);
    const touched = await withIndexer(ws, storeDir, (ix) => ix.index());
    assert.deepEqual([touched.indexed, touched.skipped, touched.unchanged], [0, 1, 1]);
  });

  it('a file too large to parse in bounded memory is cut into line windows without parsing (issue 12, item 3)', async () => {
    const ws = tempDir('ws');
    const fn = (i: number) => `function generated_${i}(value) {\n  const scaled = value * ${i};\n  return scaled + 1;\n}\n\n`;
    let text = '';
    for (let i = 0; text.length <= 4.2 * 1024 * 1024; i++) text += fn(i);
    writeTree(ws, { 'huge.js': text, 'small.js': fn(1) });
    const storeDir = tempDir('store');
    const run = await withIndexer(ws, storeDir, (ix) => ix.index(), { maxFileSize: 8 * 1024 * 1024 });
    assert.equal(run.indexed, 2);
    const ix = await open(ws, storeDir);
    try {
      const huge = await ix.search('generated_7', { k: 50, mode: 'bm25' });
      const kinds = new Set(huge.filter((h) => h.path === 'huge.js').map((h) => h.kind));
      assert.deepEqual([...kinds], ['window']);
      assert.equal((await ix.search('generated_1', { k: 5, mode: 'bm25' })).find((h) => h.path === 'small.js')?.kind, 'function');
    } finally {
      await ix.close();
    }
  });

  it('never hands the pool more tasks than its threads run at once (issue 12, item 5)', async () => {
    const ws = tempDir('ws');
    writeTree(ws, smallFiles(24 * 12, 'many'));
    let inFlight = 0;
    let most = 0;
    let capacity = 0;
    const restore = patchRun(async (run, task, pool) => {
      capacity = pool.options.maxThreads * pool.options.concurrentTasksPerWorker;
      most = Math.max(most, ++inFlight);
      try {
        const result = await run(task);
        await sleep(30); // answers come slower than dispatch: what piles up is what the engine sends
        return result;
      } finally {
        inFlight--;
      }
    });
    try {
      // Default workers: the pool's threads, not the CPU count, must bound what is in flight.
      const run = await withIndexer(ws, tempDir('store'), (ix) => ix.index(), { workers: undefined });
      assert.equal(run.indexed, 24 * 12);
    } finally {
      restore();
    }
    assert.ok(capacity > 0);
    assert.ok(most <= capacity, `${most} tasks in flight, the pool runs ${capacity}`);
  });

  it('a parse that runs past the timeout falls back to line windows, with one warning (issue 12, item 5)', async () => {
    const ws = tempDir('ws');
    let text = '';
    for (let i = 0; text.length < 600 * 1024; i++) text += `function slow_${i}(value) {\n  if (value > ${i}) { return [value, ${i}].map((x) => x * 2); }\n  return value;\n}\n\n`;
    writeTree(ws, { 'slow.js': text, 'fine.js': 'function fine() {\n  return 1;\n}\n' });
    const storeDir = tempDir('store');
    const warnings: string[] = [];
    await withIndexer(
      ws,
      storeDir,
      async (ix) => {
        ix.on('warning', (w: string) => warnings.push(w));
        const run = await ix.index();
        assert.equal(run.indexed, 2);
        const hits = await ix.search('slow_3', { k: 20, mode: 'bm25' });
        assert.deepEqual([...new Set(hits.filter((h) => h.path === 'slow.js').map((h) => h.kind))], ['window']);
      },
      { parseTimeoutMs: 1 },
    );
    const timeouts = warnings.filter((w) => w.includes('slow.js'));
    assert.equal(timeouts.length, 1, warnings.join('\n'));
    assert.match(timeouts[0], /parsing took over 1 ms/);
  });

  it('a store write that fails once is tried again, and the run ends with every file searchable (issue 12, item 6)', async () => {
    const ws = tempDir('ws');
    writeTree(ws, smallFiles(8, 'retried'));
    const storeDir = tempDir('store');
    await withIndexer(ws, storeDir, async (ix) => {
      const store = (ix as unknown as StorePeek).store;
      const add = store.add.bind(store);
      let calls = 0;
      store.add = async (batch) => {
        if (++calls === 1) throw new Error('injected: disk full');
        return add(batch);
      };
      // No 'warning' or 'error' listener, as in the CLI: nothing the engine emits may throw.
      const run = await ix.index();
      assert.equal(run.indexed, 8);
      assert.equal(run.failed, 0);
      assert.ok(calls >= 2);
    });
    const clean = tempDir('store');
    await withIndexer(ws, clean, (ix) => ix.index());
    assert.deepEqual(await snapshot(storeDir), await snapshot(clean));
  });

  it('a store write that fails twice records its files failed with the reason, and the next run indexes them (issue 12, item 6)', async () => {
    const ws = tempDir('ws');
    writeTree(ws, smallFiles(6, 'v1'));
    const storeDir = tempDir('store');
    await withIndexer(ws, storeDir, (ix) => ix.index());
    // A save whose old rows are deleted and whose new rows never make it.
    fs.writeFileSync(path.join(ws, 'f2.js'), 'function rewritten_two(value) {\n  return value * 2;\n}\n');
    const warnings: { text: string; err?: SemindexError }[] = [];
    await withIndexer(ws, storeDir, async (ix) => {
      ix.on('warning', (text: string, err?: SemindexError) => warnings.push({ text, err }));
      const store = (ix as unknown as StorePeek).store;
      const add = store.add.bind(store);
      store.add = async () => {
        throw new Error('injected: disk full');
      };
      const update = await ix.update([path.join(ws, 'f2.js')]);
      assert.equal(update.indexed, 0);
      assert.equal(update.failed, 1);
      const problem = ix.problems().find((p) => p.path === 'f2.js');
      assert.equal(problem?.status, 'failed');
      assert.match(problem!.reason, /writing its rows to the index failed: injected: disk full/);
      const typed = warnings.find((w) => SemindexError.is(w.err, 'WRITE_FAILED'));
      assert.ok(typed, warnings.map((w) => w.text).join('\n'));
      assert.deepEqual(typed.err!.files, [{ root: '', path: 'f2.js' }]);
      // A later write goes through: one failure does not wedge the writer.
      store.add = add;
      fs.writeFileSync(path.join(ws, 'f3.js'), 'function rewritten_three(value) {\n  return value * 3;\n}\n');
      assert.equal((await ix.update([path.join(ws, 'f3.js')])).indexed, 1);
    });
    const next = await withIndexer(ws, storeDir, (ix) => ix.index());
    assert.equal(next.indexed, 1, 'the failed file is indexed again');
    const clean = tempDir('store');
    await withIndexer(ws, clean, (ix) => ix.index());
    assert.deepEqual(await snapshot(storeDir), await snapshot(clean));
  });

  it('a worker whose setup failed sets up again for the next task (issue 12, item 6)', async () => {
    // worker.ts run on this thread: the model folder is empty at the first task and filled before the second.
    const modelDir = tempDir('model');
    const task = { config: { embedder: { kind: 'transformers' as const, modelDir }, maxLineLength: 4000 }, texts: ['function add(a, b) { return a + b; }'] };
    await assert.rejects(embedOnly(task), (err: unknown) => SemindexError.is(err, 'MODEL'));
    fs.cpSync(path.join(repoRoot, 'test/fixtures/tiny-model'), modelDir, { recursive: true });
    assert.equal(await embedOnly(task), 1);
  });

  it('close() releases the lock once the last write is done, before a slow fold ends (issue 12, item 4)', async () => {
    const ws = tempDir('ws');
    writeTree(ws, smallFiles(4, 'fold'));
    const storeDir = tempDir('store');
    const lockFile = new StoreLayout(storeDir).lockFile;
    const ix = await open(ws, storeDir);
    let foldStarted!: () => void;
    const started = new Promise<void>((r) => (foldStarted = r));
    let endFold!: () => void;
    const foldGate = new Promise<void>((r) => (endFold = r));
    let closing: Promise<void> | undefined;
    try {
      await ix.index();
      fs.writeFileSync(path.join(ws, 'f1.js'), 'function saved_once() {\n  return 1;\n}\n');
      await ix.update([path.join(ws, 'f1.js')]);
      const store = (ix as unknown as StorePeek).store;
      const optimize = store.optimize.bind(store);
      store.optimize = async () => {
        foldStarted();
        await foldGate;
        return optimize();
      };
      const fold = ix.maintain().catch(() => undefined);
      await started;
      closing = ix.close();
      // The next writer (a reloaded window) gets the store while the fold still runs.
      let next: StoreLock | undefined;
      for (let i = 0; i < 100 && !next; i++) {
        next = await StoreLock.acquire(lockFile, 'vscode').catch(() => undefined);
        if (!next) await sleep(20);
      }
      assert.ok(next, 'the lock was released before the fold ended');
      next.release();
      endFold();
      await fold;
    } finally {
      endFold();
      await (closing ?? ix.close());
    }
  });

  it('a writer whose lock was taken over stops writing, with one typed LOST_LOCK warning (issue 12, item 4)', async () => {
    const ws = tempDir('ws');
    writeTree(ws, smallFiles(3, 'lost'));
    const storeDir = tempDir('store');
    const lockFile = new StoreLayout(storeDir).lockFile;
    const warnings: { text: string; err?: SemindexError }[] = [];
    await withIndexer(ws, storeDir, async (ix) => {
      ix.on('warning', (text: string, err?: SemindexError) => warnings.push({ text, err }));
      await ix.index();
      // Another writer took the store over (our lease lapsed during a stall).
      const body = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
      fs.writeFileSync(lockFile, JSON.stringify({ ...body, token: 'successor', owner: 'cli' }));
      fs.writeFileSync(path.join(ws, 'f0.js'), 'function after_takeover() {\n  return 0;\n}\n');
      const store = (ix as unknown as StorePeek).store;
      const add = store.add.bind(store);
      let adds = 0;
      store.add = async (batch) => {
        adds++;
        return add(batch);
      };
      await ix.update([path.join(ws, 'f0.js')]);
      assert.equal(adds, 0, 'nothing was written after the takeover');
      await assert.rejects(ix.index(), (err: unknown) => SemindexError.is(err, 'LOST_LOCK'));
    });
    const lost = warnings.filter((w) => SemindexError.is(w.err, 'LOST_LOCK'));
    assert.equal(lost.length, 1, warnings.map((w) => w.text).join('\n'));
    assert.equal(JSON.parse(fs.readFileSync(lockFile, 'utf8')).token, 'successor', 'close left the successor its lock');
  });
});
