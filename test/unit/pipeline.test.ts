import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Indexer, type IndexerOptions } from '../../src/indexer/indexer';
import { IndexReader } from '../../src/indexer/reader';
import { INDEX_FORMAT, RETIRED_GRACE_MS, StoreLayout } from '../../src/indexer/layout';
import { cliPath, fixtureWorkspace, realTree, repoRoot, snapshot, tempDir, writeTree } from './helpers';

const staticEmbedder = { kind: 'static' as const };

async function withIndexer<T>(root: string, storeDir: string, fn: (ix: Indexer) => Promise<T>, opts: Partial<IndexerOptions> = {}): Promise<T> {
  const ix = await Indexer.open({ storeDir, roots: [{ name: '', path: root }], embedder: staticEmbedder, workers: 2, ...opts });
  try {
    return await fn(ix);
  } finally {
    await ix.close();
  }
}

/** The fixture workspace indexed with the static embedder into a fresh store. */
async function indexedFixture(): Promise<{ ws: string; store: string; files: number }> {
  const ws = fixtureWorkspace();
  const store = tempDir('store');
  await withIndexer(ws, store, (ix) => ix.index());
  return { ws, store, files: fs.readdirSync(ws).length };
}

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

describe('pipeline: scan → chunk → embed → store → search', function () {
  this.timeout(180_000);

  it('indexes a several-language tree and finds a function by its words', async () => {
    const ws = fixtureWorkspace();
    const store = tempDir('store');
    const summary = await withIndexer(ws, store, (ix) => ix.index());
    const files = fs.readdirSync(ws).length;
    assert.equal(summary.files, files);
    assert.equal(summary.indexed, files);
    assert.equal(summary.failed, 0);
    assert.ok(summary.chunks > files, `expected more chunks than files, got ${summary.chunks}`);
    const reader = await IndexReader.open(store);
    try {
      for (const mode of ['bm25', 'hybrid'] as const) {
        const results = await reader.search('parse header', { k: 5, mode });
        assert.ok(results.length > 0, `${mode}: no results`);
      }
      const status = await reader.status();
      assert.equal(status.files, files);
      assert.equal(status.chunks, summary.chunks);
      assert.match(status.embedder, /^static:/);
    } finally {
      reader.close();
    }
  });

  it('a warm run over an unchanged tree parses and embeds nothing', async () => {
    const ws = fixtureWorkspace();
    const store = tempDir('store');
    const cold = await withIndexer(ws, store, (ix) => ix.index());
    const warm = await withIndexer(ws, store, (ix) => ix.index());
    assert.equal(warm.indexed, 0);
    assert.equal(warm.unchanged, cold.indexed);
    assert.equal(warm.chunks, cold.chunks);
  });

  it('touching a file without changing it re-hashes but does not re-chunk', async () => {
    const ws = fixtureWorkspace();
    const store = tempDir('store');
    await withIndexer(ws, store, (ix) => ix.index());
    const file = path.join(ws, fs.readdirSync(ws)[0]);
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    const run = await withIndexer(ws, store, (ix) => ix.index());
    assert.equal(run.indexed, 0);
  });

  it('updates, deletes and renames leave exactly what a clean run gives', async () => {
    const ws = tempDir('ws');
    writeTree(ws, {
      'a.py': 'def alpha_parser(text):\n    return text.split()\n',
      'b.js': 'function betaRenderer(node) {\n  return node.render();\n}\n',
      'c.go': 'package c\n\nfunc GammaCounter(x int) int {\n\treturn x + 1\n}\n',
    });
    const store = tempDir('store');
    await withIndexer(ws, store, async (ix) => {
      await ix.index();
      // update in place
      fs.writeFileSync(path.join(ws, 'a.py'), 'def alpha_tokenizer(text):\n    return list(text)\n');
      await ix.update([path.join(ws, 'a.py')]);
      let hits = await ix.search('alpha tokenizer', { mode: 'bm25' });
      assert.equal(hits[0]?.path, 'a.py');
      assert.equal((await ix.search('alpha_parser', { mode: 'bm25' })).filter((h) => h.snippet.includes('alpha_parser')).length, 0);
      // delete
      fs.rmSync(path.join(ws, 'b.js'));
      await ix.update([path.join(ws, 'b.js')]);
      hits = await ix.search('betaRenderer', { mode: 'bm25' });
      assert.ok(!hits.some((h) => h.path === 'b.js'), 'deleted file still found');
      // rename
      fs.renameSync(path.join(ws, 'c.go'), path.join(ws, 'd.go'));
      await ix.update([path.join(ws, 'c.go'), path.join(ws, 'd.go')]);
      hits = await ix.search('GammaCounter', { mode: 'bm25' });
      assert.deepEqual([...new Set(hits.map((h) => h.path))], ['d.go']);
    });
    const clean = tempDir('store');
    await withIndexer(ws, clean, (ix) => ix.index());
    assert.deepEqual(await snapshot(store), await snapshot(clean));
  });

  it('a full run notices deleted files and drops them', async () => {
    const ws = fixtureWorkspace();
    const store = tempDir('store');
    await withIndexer(ws, store, (ix) => ix.index());
    const victim = fs.readdirSync(ws).sort()[0];
    fs.rmSync(path.join(ws, victim));
    const run = await withIndexer(ws, store, (ix) => ix.index());
    assert.equal(run.deleted, 1);
    assert.ok(!(await snapshot(store)).some((r) => r.split('|')[1] === victim));
  });

  it('survives hostile input without hanging and reports every skip', async () => {
    const ws = tempDir('hostile');
    writeTree(ws, {
      'ok.ts': 'export function fine(): number {\n  return 1;\n}\n',
      'binary.dat2': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3]),
      'huge.txt': 'y'.repeat(1024 * 1024 + 10),
      'latin1.c': Buffer.from('/* caf\xe9 */\nint f(void) { return 0; }\n', 'latin1'),
      'minified.js': 'var a=1;'.repeat(2000),
      "odd name's [1] (copy).py": 'def odd():\n    pass\n',
      'ünïcödé/файл.rb': 'def hello\n  puts "hi"\nend\n',
      'empty.js': '',
    });
    execFileSync('mkfifo', [path.join(ws, 'fifo.js')]);
    fs.symlinkSync('.', path.join(ws, 'loop'));
    const store = tempDir('store');
    const summary = await withIndexer(ws, store, (ix) => ix.index());
    assert.equal(summary.failed, 0);
    const reader = await IndexReader.open(store);
    const paths = new Set((await snapshot(store)).map((r) => r.split('|')[1]));
    // The recorded run counts the files in the index, not the skipped ones beside them.
    assert.equal(reader.info.lastFullRun?.files, summary.indexed);
    assert.ok(summary.files > summary.indexed);
    reader.close();
    for (const p of ['ok.ts', 'latin1.c', "odd name's [1] (copy).py", 'ünïcödé/файл.rb']) assert.ok(paths.has(p), `${p} not indexed`);
    for (const p of ['binary.dat2', 'huge.txt', 'minified.js', 'fifo.js']) assert.ok(!paths.has(p), `${p} indexed`);
    const ix = await Indexer.open({ storeDir: store, roots: [{ name: '', path: ws }], embedder: staticEmbedder, workers: 1 });
    const problems = Object.fromEntries(ix.problems().map((p) => [p.path, p.reason]));
    await ix.close();
    assert.match(problems['binary.dat2'], /binary/);
    assert.match(problems['huge.txt'], /size limit/);
    assert.match(problems['minified.js'], /minified/);
    assert.match(problems['fifo.js'], /FIFO/);
    assert.match(problems['loop'], /loop/);
  });

  it('a second writer on the same store gets a clear error', async () => {
    const ws = fixtureWorkspace();
    const store = tempDir('store');
    await withIndexer(ws, store, async () => {
      const r = cli(['index', ws, '--store', store, '--json']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /being written by another process/);
    });
  });

  it('kill -9 at any moment, then a re-run, ends with exactly the index of a clean run', async () => {
    const tree = realTree(400);
    const clean = tempDir('store');
    const t0 = Date.now();
    const cleanRun = cli(['index', tree, '--store', clean, '--json', '--workers', '2']);
    const cleanMs = Date.now() - t0;
    assert.equal(cleanRun.code, 0, cleanRun.stderr);
    const expected = await snapshot(clean);
    const store = tempDir('store');
    // Kills spread over a run's length, so they land in start-up, scanning, mid-write and finalizing.
    let killed = 0;
    // Each resumed run has less left to do, so a late share can miss it on a loaded machine: more
    // tries, earlier in the run, until three kills have landed.
    const shares = [0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 0.1, 0.2, 0.05, 0.15, 0.05, 0.1];
    for (const [i, share] of shares.entries()) {
      if (i >= 6 && killed >= 3) break;
      const child = spawn(process.execPath, [cliPath, 'index', tree, '--store', store, '--json', '--workers', '2'], { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      await new Promise((r) => setTimeout(r, share * cleanMs));
      if (child.exitCode === null && child.kill('SIGKILL')) killed++;
      await exited;
    }
    assert.ok(killed >= 3, `only ${killed} runs were still going when killed`);
    const resumed = cli(['index', tree, '--store', store, '--json', '--workers', '2']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = lastJson(resumed.stdout);
    assert.equal(summary.chunks, lastJson(cleanRun.stdout).chunks);
    assert.deepEqual(await snapshot(store), expected);
  });

  it('switching embedder builds a new index beside the old one, which serves until the new one is complete', async () => {
    const { ws, store, files } = await indexedFixture();
    const model = path.join(repoRoot, 'test/fixtures/tiny-model');
    const tx = await Indexer.open({ storeDir: store, roots: [{ name: '', path: ws }], embedder: { kind: 'transformers', modelDir: model }, workers: 2 });
    try {
      assert.equal(tx.isBuilding, true);
      // Before the new index is complete, readers still get the static one.
      const before = await IndexReader.open(store);
      assert.match((await before.status()).embedder, /^static:/);
      before.close();
      tx.on('progress', (p) => p.phase === 'indexing' && tx.cancel());
      const cancelled = await tx.index();
      assert.equal(cancelled.cancelled, true);
      assert.equal(tx.isBuilding, true, 'a cancelled build must not replace the serving index');
    } finally {
      await tx.close();
    }
    const again = await Indexer.open({ storeDir: store, roots: [{ name: '', path: ws }], embedder: { kind: 'transformers', modelDir: model }, workers: 2 });
    try {
      const run = await again.index();
      assert.equal(run.indexed + run.unchanged, files);
      assert.equal(again.isBuilding, false);
    } finally {
      await again.close();
    }
    const reader = await IndexReader.open(store);
    try {
      const status = await reader.status();
      assert.match(status.embedder, /^transformers:tiny-model@/);
      assert.equal(status.dim, 32);
      assert.equal(status.files, files);
      assert.ok((await reader.search('parse header', { mode: 'vector' })).length > 0);
    } finally {
      reader.close();
    }
    // The old index is retired (readers may still serve it); once its grace is over only the new one remains.
    assert.equal(fs.readdirSync(store).filter((d) => d.startsWith('index-')).length, 2);
    await new StoreLayout(store).removeRetired(Date.now() + RETIRED_GRACE_MS);
    assert.equal(fs.readdirSync(store).filter((d) => d.startsWith('index-')).length, 1);
  });

  it('folds piled-up saves into the indices once updates go quiet, so search does not slow save by save', async () => {
    const { ws, store } = await indexedFixture();
    await withIndexer(
      ws,
      store,
      async (ix) => {
        const fresh = (await ix.stats()).fragments;
        // New files, one per save: each write adds a fragment (rewriting one file over and over
        // replaces its fragment instead).
        const save = async (i: number) => {
          const file = path.join(ws, `saved_${i}.py`);
          fs.writeFileSync(file, `def saved_${i}():\n    return ${i}\n`);
          await ix.update([file]);
        };
        let maintained = 0;
        ix.on('maintained', () => maintained++);
        for (let i = 0; i < 9; i++) await save(i);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(maintained, 0, 'nine saves are not worth a fold');
        const piled = (await ix.stats()).fragments;
        assert.ok(piled >= fresh + 9, `each save wrote a fragment: ${fresh} → ${piled}`);
        const folded = new Promise((r) => ix.once('maintained', r));
        await save(9);
        await folded;
        const after = (await ix.stats()).fragments;
        assert.ok(after <= fresh + 1, `compacted: ${piled} → ${after} fragments`);
        for (const i of [0, 9]) assert.equal((await ix.search(`saved_${i}`, { k: 3, mode: 'bm25' }))[0]?.symbol, `saved_${i}`);
      },
      { maintainIdleMs: 50 },
    );
  });

  it('saves during a fold are written beside it, and the index ends exactly as a clean one', async () => {
    const { ws, store } = await indexedFixture();
    const save = async (ix: Indexer, name: string, body: string) => {
      const file = path.join(ws, `${name}.py`);
      fs.writeFileSync(file, body);
      await ix.update([file]);
    };
    await withIndexer(
      ws,
      store,
      async (ix) => {
        for (let i = 0; i < 5; i++) await save(ix, `saved_${i}`, `def saved_${i}():\n    return ${i}\n`);
        const fold = ix.maintain(); // not awaited: saves go on beside it
        for (let i = 5; i < 10; i++) await save(ix, `saved_${i}`, `def saved_${i}():\n    return ${i}\n`);
        await save(ix, 'saved_0', 'def renamed_0():\n    return 0\n'); // rows deleted during the fold
        fs.rmSync(path.join(ws, 'saved_1.py'));
        await ix.update([path.join(ws, 'saved_1.py')]);
        await fold;
        assert.equal((await ix.search('renamed_0', { k: 1, mode: 'bm25' }))[0]?.symbol, 'renamed_0');
      },
      { maintainIdleMs: 60_000 },
    );
    const clean = tempDir('store');
    await withIndexer(ws, clean, (ix) => ix.index());
    assert.deepEqual(await snapshot(store), await snapshot(clean));
  });

  it('after a fold, files whose rows differ from the checkpoint are indexed again', async () => {
    const { ws, store } = await indexedFixture();
    const paths = [...new Set((await snapshot(store)).map((r) => r.split('|')[1]))].sort();
    const [lost, doubled] = [paths[0], paths[1]];
    const warnings: string[] = [];
    await withIndexer(
      ws,
      store,
      async (ix) => {
        ix.on('warning', (w: string) => warnings.push(w));
        // What a bad merge of a save with a compaction would leave: one file's rows gone, another's twice.
        const table = (ix as unknown as { store: { table: { query(): { where(s: string): { toArrow(): Promise<unknown> } }; add(d: unknown): Promise<unknown>; delete(s: string): Promise<unknown> } } }).store.table;
        await table.add(await table.query().where(`path = '${doubled}'`).toArrow());
        await table.delete(`path = '${lost}'`);
        const file = path.join(ws, 'saved.py');
        fs.writeFileSync(file, 'def saved():\n    return 1\n');
        await ix.update([file]); // a write for the fold to fold
        await ix.maintain();
      },
      { maintainIdleMs: 60_000 },
    );
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /differ from the checkpoint for 2 file\(s\)/);
    const clean = tempDir('store');
    await withIndexer(ws, clean, (ix) => ix.index());
    assert.deepEqual(await snapshot(store), await snapshot(clean));
  });

  it('an index of an older format is rebuilt beside the old one, which serves meanwhile', async () => {
    const { ws, store, files } = await indexedFixture();
    // What an earlier version wrote: no format in store.json (format 1, BM25 stemmed by the index).
    const manifestFile = path.join(store, 'store.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    const oldDir = manifest.active.dir;
    delete manifest.active.format;
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    const old = await IndexReader.open(store);
    try {
      assert.equal(old.info.dir, oldDir);
      assert.ok((await old.search('parse header', { k: 5, mode: 'hybrid' })).length > 0, 'the old index answers meanwhile');
    } finally {
      old.close();
    }
    await withIndexer(ws, store, async (ix) => {
      assert.equal(ix.isBuilding, true, 'a new index is built beside the old one');
      const run = await ix.index();
      assert.equal(run.indexed, files);
      assert.equal(ix.isBuilding, false);
    });
    const reader = await IndexReader.open(store);
    try {
      assert.notEqual(reader.info.dir, oldDir);
      assert.equal(reader.info.format, INDEX_FORMAT);
      assert.ok((await reader.search('parse header', { k: 5, mode: 'bm25' })).length > 0);
    } finally {
      reader.close();
    }
    // Retired, not deleted at once: readers may still be serving it (layout.ts RETIRED_GRACE_MS).
    assert.ok(fs.existsSync(path.join(store, oldDir)), 'the old index stays while readers may serve it');
    await new StoreLayout(store).removeRetired(Date.now() + RETIRED_GRACE_MS);
    assert.ok(!fs.existsSync(path.join(store, oldDir)), 'the old index is removed once its grace is over');
  });

  it('a model embedder re-embeds only the chunks whose text changed (embedding cache)', async () => {
    const ws = tempDir('ws');
    const fns = Array.from({ length: 8 }, (_, i) => `def helper_${i}(value):\n    scaled = value * ${i}\n    shifted = scaled + ${i}\n    return shifted\n`).join('\n');
    writeTree(ws, { 'many.py': fns, 'other.py': 'def untouched():\n    return 1\n' });
    const store = tempDir('store');
    const model = path.join(repoRoot, 'test/fixtures/tiny-model');
    const ix = await Indexer.open({ storeDir: store, roots: [{ name: '', path: ws }], embedder: { kind: 'transformers', modelDir: model }, workers: 1 });
    try {
      await ix.index();
      fs.appendFileSync(path.join(ws, 'many.py'), '\ndef brand_new(value):\n    bigger = value + 100\n    smaller = bigger - 1\n    return smaller\n');
      const rates: number[] = [];
      ix.on('progress', (p) => p.cacheHitRate !== undefined && rates.push(p.cacheHitRate));
      await ix.update([path.join(ws, 'many.py')]);
      const rate = rates.at(-1)!;
      // Eight of the file's nine chunks are unchanged text: their vectors come from the store.
      assert.ok(rate > 0.8 && rate < 1, `cache hit rate ${rate}`);
      assert.equal((await ix.search('brand_new', { mode: 'bm25', k: 1 }))[0]?.symbol, 'brand_new');
    } finally {
      await ix.close();
    }
  });

  it('the CLI prints the documented JSON lines', async () => {
    const ws = fixtureWorkspace();
    const store = tempDir('store');
    const idx = cli(['index', ws, '--store', store, '--json']);
    assert.equal(idx.code, 0, idx.stderr);
    const summary = lastJson(idx.stdout);
    assert.deepEqual(Object.keys(summary).sort(), ['chunks', 'deleted', 'embedder', 'excluded', 'failed', 'files', 'indexed', 'seconds', 'skipped', 'unchanged'].sort());
    assert.deepEqual(Object.keys(summary.excluded).sort(), ['builtin', 'gitignore', 'secret', 'setting']);
    for (const n of Object.values(summary.excluded)) assert.equal(typeof n, 'number');
    const q = cli(['search', '--store', store, '-k', '3', '--mode', 'bm25', '--json', 'parse']);
    const line = JSON.parse(q.stdout);
    assert.equal(line.id, 'q');
    assert.ok(Array.isArray(line.results) && typeof line.ms === 'number');
    for (const r of line.results) assert.deepEqual(Object.keys(r).sort(), ['endLine', 'kind', 'language', 'path', 'score', 'startLine', 'symbol']);
    const queries = path.join(tempDir('q'), 'q.jsonl');
    fs.writeFileSync(queries, '{"id":"a","query":"class"}\n{"id":"b","query":"function"}\n');
    const batch = cli(['search', '--store', store, '--queries', queries, '--json']);
    assert.deepEqual(batch.stdout.trim().split('\n').map((l) => JSON.parse(l).id), ['a', 'b']);
    const status = lastJson(cli(['status', '--store', store, '--json']).stdout);
    assert.ok(status.files > 0 && status.chunks > 0 && status.failed === 0 && /^static:/.test(status.embedder));
    assert.deepEqual(status.excluded, summary.excluded);
    const bad = cli(['search', '--store', store, '--mode', 'nope', 'x']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--mode/);
  });
});
