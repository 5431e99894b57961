// Growth and stalls (issue 12, items 7 and 8): nested roots own their files once, the checkpoint
// log stays bounded under saves, and a save or a stats refresh does no synchronous file I/O on
// the engine's thread (the extension host's, in VS Code).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileCatalog } from '../../src/indexer/catalog';
import { Indexer, type IndexerOptions } from '../../src/indexer/indexer';
import { StoreLayout } from '../../src/indexer/layout';
import type { Root } from '../../src/indexer/scan';
import { tempDir, writeTree } from './helpers';

// The real module object, not the bundle's copy of its exports: patching it is seen by the engine.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const realFs = require('node:fs') as typeof fs;

function open(roots: Root[], storeDir: string, opts: Partial<IndexerOptions> = {}): Promise<Indexer> {
  return Indexer.open({ storeDir, roots, embedder: { kind: 'static' }, workers: 1, ...opts });
}

const fn = (name: string) => `export function ${name}(value: number): number {\n  return value * 2;\n}\n`;

/** Counts calls of fs's synchronous functions (the given ones) until the returned stop() is called. */
function countSyncCalls(names: (keyof typeof fs)[], filter: (name: string, args: unknown[]) => boolean = () => true): { calls: Record<string, number>; stop: () => void } {
  const calls: Record<string, number> = {};
  const originals = new Map<string, unknown>();
  for (const name of names) {
    const original = realFs[name] as (...args: unknown[]) => unknown;
    originals.set(name, original);
    calls[name] = 0;
    (realFs as unknown as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
      if (filter(name, args)) calls[name]++;
      return original.apply(this, args);
    };
  }
  return {
    calls,
    stop: () => {
      for (const [name, original] of originals) (realFs as unknown as Record<string, unknown>)[name] = original;
    },
  };
}

describe('growth and extension-host stalls (issue 12, items 7 and 8)', function () {
  this.timeout(120_000);

  it('nested roots: a file is indexed once, under the innermost root, and its updates land there (issue 12, item 7)', async () => {
    const ws = tempDir('nested');
    writeTree(ws, { 'top.ts': fn('outerOnlyFunction'), 'pkg/inner.ts': fn('innerQuokkaFunction') });
    const roots = [
      { name: 'outer', path: ws },
      { name: 'inner', path: path.join(ws, 'pkg') },
    ];
    const storeDir = tempDir('nested-store');
    const ix = await open(roots, storeDir);
    try {
      const s = await ix.index();
      assert.equal(s.indexed, 2, 'two files, each once');
      // Every chunk holding the name (the query's other words, "function", match the other file too).
      const where = async (q: string) => (await ix.search(q, { mode: 'bm25', k: 50 })).filter((r) => r.snippet.includes(q)).map((r) => `${r.root}:${r.path}`);
      assert.deepEqual(await where('innerQuokkaFunction'), ['inner:inner.ts']);
      // An edit of the nested file (a save, a watcher event) updates the inner root's copy.
      fs.writeFileSync(path.join(ws, 'pkg/inner.ts'), fn('innerWombatFunction'));
      await ix.update([path.join(ws, 'pkg/inner.ts')]);
      assert.deepEqual(await where('innerWombatFunction'), ['inner:inner.ts']);
      assert.deepEqual(await where('innerQuokkaFunction'), []);
      // A second full run finds nothing to do.
      const again = await ix.index();
      assert.equal(again.indexed, 0);
      assert.equal(again.unchanged, 2);
    } finally {
      await ix.close();
    }
  });

  it('compacts the checkpoint log after updates too, not only after full runs (issue 12, item 7)', async () => {
    const ws = tempDir('compact');
    writeTree(ws, { 'a.ts': fn('alpha'), 'b.ts': fn('beta') });
    const storeDir = tempDir('compact-store');
    let ix = await open([{ name: '', path: ws }], storeDir);
    await ix.index();
    await ix.close();
    // A long session of saves, as the log looks after it: thousands of lines for two files.
    const layout = new StoreLayout(storeDir);
    const file = layout.catalogFile(layout.read().active!);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    fs.appendFileSync(file, Array.from({ length: 1500 }, (_, i) => lines[i % lines.length]).join('\n') + '\n');
    ix = await open([{ name: '', path: ws }], storeDir);
    try {
      fs.writeFileSync(path.join(ws, 'a.ts'), fn('alphaEdited'));
      await ix.update([path.join(ws, 'a.ts')]);
    } finally {
      await ix.close();
    }
    const after = fs.readFileSync(file, 'utf8').trim().split('\n');
    assert.ok(after.length <= 4, `the log was compacted after the update (${after.length} lines)`);
    const catalog = await FileCatalog.open(file);
    assert.deepEqual([...catalog.all()].map((r) => `${r.path}:${r.status}`).sort(), ['a.ts:indexed', 'b.ts:indexed']);
    await catalog.close();
  });

  it('a save and a stats refresh do no synchronous fsync, store walk, skipped-list read or manifest write on the engine thread (issue 12, item 8)', async () => {
    const ws = tempDir('nosync');
    writeTree(ws, Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`f${i}.ts`, fn(`f${i}`)])));
    const storeDir = tempDir('nosync-store');
    const ix = await open([{ name: '', path: ws }], storeDir);
    const manifest = path.join(storeDir, 'store.json');
    const manifestWrites: number[] = [];
    const renameAsync = realFs.promises.rename;
    try {
      await ix.index();
      const inStore = (args: unknown[]) => typeof args[0] === 'string' && args[0].startsWith(storeDir) && !args[0].includes(`${path.sep}lock`);
      const sync = countSyncCalls(['fsyncSync', 'fdatasyncSync', 'writeFileSync', 'writeSync', 'renameSync', 'readdirSync', 'statSync', 'readFileSync'], (name, args) =>
        name === 'fsyncSync' || name === 'fdatasyncSync' || name === 'writeSync' ? true : inStore(args),
      );
      realFs.promises.rename = async function (this: unknown, from: fs.PathLike, to: fs.PathLike) {
        if (to === manifest) manifestWrites.push(Date.now());
        return renameAsync.call(this, from, to);
      } as typeof renameAsync;
      const t0 = Date.now();
      try {
        for (let i = 0; i < 10; i++) {
          fs.writeFileSync(path.join(ws, `f${i % 5}.ts`), fn(`saved${i}`));
          await ix.update([path.join(ws, `f${i % 5}.ts`)]);
          // What the extension asks after each save (session.ts refreshStats).
          await ix.stats();
          ix.problems(100_000);
        }
      } finally {
        sync.stop();
      }
      assert.deepEqual(sync.calls, { fsyncSync: 0, fdatasyncSync: 0, writeFileSync: 0, writeSync: 0, renameSync: 0, readdirSync: 0, statSync: 0, readFileSync: 0 });
      // The run facts of the saves reach the manifest, debounced: not once per save.
      const elapsed = Date.now() - t0;
      assert.ok(manifestWrites.length <= 1 + Math.floor(elapsed / 2000), `${manifestWrites.length} manifest writes for 10 saves in ${elapsed} ms`);
      assert.equal((await ix.search('saved9', { mode: 'bm25' }))[0]?.path, 'f4.ts');
    } finally {
      realFs.promises.rename = renameAsync;
      await ix.close();
    }
    // Written at close at the latest.
    assert.ok(new StoreLayout(storeDir).read().active!.lastIncrementalRun! > 0);
  });

  it('clearing the store for Rebuild Index deletes asynchronously, the lock kept (issue 12, item 8)', async () => {
    const ws = tempDir('clear');
    writeTree(ws, { 'a.ts': fn('alpha') });
    const storeDir = tempDir('clear-store');
    const ix = await open([{ name: '', path: ws }], storeDir);
    await ix.index();
    await ix.close();
    fs.writeFileSync(path.join(storeDir, 'lock'), '{}');
    const inStore = (_: string, args: unknown[]) => typeof args[0] === 'string' && args[0].startsWith(storeDir);
    const sync = countSyncCalls(['rmSync', 'readdirSync', 'rmdirSync', 'unlinkSync', 'writeFileSync'], inStore);
    try {
      await new StoreLayout(storeDir).clear();
    } finally {
      sync.stop();
    }
    assert.deepEqual(sync.calls, { rmSync: 0, readdirSync: 0, rmdirSync: 0, unlinkSync: 0, writeFileSync: 0 });
    assert.deepEqual(fs.readdirSync(storeDir), ['lock'], 'everything but the lock is gone');
  });
});
